// franz-go (pinned in go.mod) over SASL and TLS: franz <bootstrap> <PLAIN|SCRAM-SHA-256|SCRAM-SHA-512|NONE> <user> <password> <topic> [ca.pem]
// Produces one record, reads it back, prints one JSON line {"ok": bool, "error": string}.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

func main() {
	bootstrap, mech, user, pw, topic, ca := os.Args[1], os.Args[2], os.Args[3], os.Args[4], os.Args[5], ""
	if len(os.Args) > 6 {
		ca = os.Args[6]
	}
	opts := []kgo.Opt{kgo.SeedBrokers(bootstrap), kgo.ConsumeTopics(topic), kgo.AllowAutoTopicCreation(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}
	switch mech {
	case "PLAIN":
		opts = append(opts, kgo.SASL(plain.Auth{User: user, Pass: pw}.AsMechanism()))
	case "SCRAM-SHA-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pw}.AsSha256Mechanism()))
	case "SCRAM-SHA-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pw}.AsSha512Mechanism()))
	}
	if ca != "" {
		pem, _ := os.ReadFile(ca)
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		opts = append(opts, kgo.DialTLSConfig(&tls.Config{RootCAs: pool}))
	}
	out := map[string]any{"ok": false}
	defer func() { b, _ := json.Marshal(out); fmt.Println(string(b)) }()
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		out["error"] = err.Error()
		return
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	value := fmt.Sprintf("franz-%d", time.Now().UnixNano())
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(value)}).FirstErr(); err != nil {
		out["error"] = err.Error()
		return
	}
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		if errs := fs.Errors(); len(errs) > 0 && ctx.Err() == nil {
			out["error"] = errs[0].Err.Error()
			return
		}
		found := false
		fs.EachRecord(func(r *kgo.Record) {
			if string(r.Value) == value {
				found = true
			}
		})
		if found {
			out["ok"] = true
			return
		}
	}
	out["error"] = "no record within 20 s"
}
