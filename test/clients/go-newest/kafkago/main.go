package main

import (
	_ "github.com/segmentio/kafka-go"
	_ "github.com/segmentio/kafka-go/compress/zstd"
)

func main() {}
