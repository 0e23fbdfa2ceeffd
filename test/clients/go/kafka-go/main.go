// segmentio/kafka-go (the Debian-packaged 0.2.1) against a Takhin broker, driven by
// test/clients/go-clients.test.ts. Usage: kafka-go <bootstrap> <mode> <spec.json>
//
// This kafka-go predates message format v2: it produces with Produce v2 and fetches with Fetch v2,
// which Takhin (like Kafka 4) does not serve, so the produce and fetch modes report the errors the
// client gets. Everything else it speaks is served: metadata (brokers, topics, partitions), topic
// creation with configs (admin mode) and deletion (delete mode), ListOffsets, and the whole consumer-group protocol (join,
// sync, heartbeat, offset fetch and commit, leave), which the group mode drives with N readers.
// Every mode prints one JSON object as its last stdout line.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	kafka "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/gzip"
)

type spec struct {
	ClientID      string            `json:"clientId"`
	Topic         string            `json:"topic"`
	Topics        []string          `json:"topics"`
	Partitions    int               `json:"partitions"`
	Configs       map[string]string `json:"configs"`
	Group         string            `json:"group"`
	Members       int               `json:"members"`
	StableMs      int               `json:"stableMs"`
	TimeoutMs     int               `json:"timeoutMs"`
	CommitOffsets map[string]int64  `json:"commitOffsets"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func emit(v interface{}) {
	out, err := json.Marshal(v)
	if err != nil {
		fail("json: %v", err)
	}
	fmt.Println(string(out))
}

func errText(err error) *string {
	if err == nil {
		return nil
	}
	s := err.Error()
	return &s
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: kafka-go <bootstrap> <mode> <spec.json>")
	}
	bootstrap, mode := os.Args[1], os.Args[2]
	raw, err := ioutil.ReadFile(os.Args[3])
	if err != nil {
		fail("spec: %v", err)
	}
	var s spec
	if err := json.Unmarshal(raw, &s); err != nil {
		fail("spec: %v", err)
	}
	dialer := &kafka.Dialer{ClientID: s.ClientID, Timeout: 5 * time.Second}
	switch mode {
	case "metadata":
		metadata(dialer, bootstrap, &s)
	case "admin":
		admin(dialer, bootstrap, &s)
	case "delete":
		deleteTopic(dialer, bootstrap, &s)
	case "offsets":
		offsets(dialer, bootstrap, &s)
	case "produce":
		produce(dialer, bootstrap, &s)
	case "fetch":
		fetch(dialer, bootstrap, &s)
	case "group":
		group(dialer, bootstrap, &s)
	default:
		fail("unknown mode %q", mode)
	}
}

type topicOut struct {
	Name       string `json:"name"`
	Partitions int    `json:"partitions"`
}

type brokerOut struct {
	ID   int    `json:"nodeId"`
	Host string `json:"host"`
	Port int    `json:"port"`
}

func listing(parts []kafka.Partition) map[string]interface{} {
	counts := map[string]int{}
	leaders := map[int]brokerOut{}
	for _, p := range parts {
		counts[p.Topic]++
		leaders[p.Leader.ID] = brokerOut{p.Leader.ID, p.Leader.Host, p.Leader.Port}
	}
	topics := []topicOut{}
	for name, n := range counts {
		topics = append(topics, topicOut{name, n})
	}
	sort.Slice(topics, func(a, b int) bool { return topics[a].Name < topics[b].Name })
	brokers := []brokerOut{}
	for _, b := range leaders {
		brokers = append(brokers, b)
	}
	return map[string]interface{}{"topics": topics, "brokers": brokers}
}

// metadata lists the named topics, and what ReadPartitions() without names returns.
func metadata(d *kafka.Dialer, bootstrap string, s *spec) {
	conn, err := d.Dial("tcp", bootstrap)
	if err != nil {
		fail("dial: %v", err)
	}
	defer conn.Close()
	named, err := conn.ReadPartitions(s.Topics...)
	if err != nil {
		fail("partitions: %v", err)
	}
	all, err := conn.ReadPartitions()
	if err != nil {
		fail("partitions: %v", err)
	}
	emit(map[string]interface{}{"named": listing(named), "all": listing(all)})
}

func partitionCount(conn *kafka.Conn, topic string) (int, error) {
	parts, err := conn.ReadPartitions(topic)
	if err != nil {
		return 0, err
	}
	return len(parts), nil
}

func admin(d *kafka.Dialer, bootstrap string, s *spec) {
	conn, err := d.Dial("tcp", bootstrap)
	if err != nil {
		fail("dial: %v", err)
	}
	defer conn.Close()
	entries := []kafka.ConfigEntry{}
	for k, v := range s.Configs {
		entries = append(entries, kafka.ConfigEntry{ConfigName: k, ConfigValue: v})
	}
	cfg := kafka.TopicConfig{Topic: s.Topic, NumPartitions: s.Partitions, ReplicationFactor: 1, ConfigEntries: entries}
	out := map[string]interface{}{}
	out["create"] = errText(conn.CreateTopics(cfg))
	out["createAgain"] = errText(conn.CreateTopics(cfg))
	n, err := partitionCount(conn, s.Topic)
	out["partitions"] = map[string]interface{}{"count": n, "error": errText(err)}
	emit(out)
}

func deleteTopic(d *kafka.Dialer, bootstrap string, s *spec) {
	conn, err := d.Dial("tcp", bootstrap)
	if err != nil {
		fail("dial: %v", err)
	}
	defer conn.Close()
	out := map[string]interface{}{}
	out["delete"] = errText(conn.DeleteTopics(s.Topic))
	out["deleteAgain"] = errText(conn.DeleteTopics(s.Topic))
	// No metadata request for it afterwards: Metadata v1 would auto-create it again.
	emit(out)
}

func offsets(d *kafka.Dialer, bootstrap string, s *spec) {
	out := []map[string]interface{}{}
	for p := 0; p < s.Partitions; p++ {
		conn, err := d.DialLeader(context.Background(), "tcp", bootstrap, s.Topic, p)
		if err != nil {
			fail("dial leader %d: %v", p, err)
		}
		first, last, err := conn.ReadOffsets()
		out = append(out, map[string]interface{}{"partition": p, "first": first, "last": last, "error": errText(err)})
		conn.Close()
	}
	emit(map[string]interface{}{"offsets": out})
}

func produce(d *kafka.Dialer, bootstrap string, s *spec) {
	out := map[string]interface{}{}
	msgs := []kafka.Message{
		{Key: []byte("k0"), Value: []byte("v0"), Time: time.Unix(1700000000, 0)},
		{Key: []byte("k1"), Value: []byte("v1"), Time: time.Unix(1700000001, 0)},
	}
	for _, codec := range []string{"none", "gzip"} {
		conn, err := d.DialLeader(context.Background(), "tcp", bootstrap, s.Topic, 0)
		if err != nil {
			fail("dial leader: %v", err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		var n int
		if codec == "gzip" {
			n, err = conn.WriteCompressedMessages(gzip.NewCompressionCodec(), msgs...)
		} else {
			n, err = conn.WriteMessages(msgs...)
		}
		out[codec] = map[string]interface{}{"bytes": n, "error": errText(err)}
		conn.Close()
	}
	emit(out)
}

func fetch(d *kafka.Dialer, bootstrap string, s *spec) {
	conn, err := d.DialLeader(context.Background(), "tcp", bootstrap, s.Topic, 0)
	if err != nil {
		fail("dial leader: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Seek(0, kafka.SeekAbsolute); err != nil {
		fail("seek: %v", err)
	}
	m, err := conn.ReadMessage(1 << 20)
	emit(map[string]interface{}{"offset": m.Offset, "value": string(m.Value), "error": errText(err)})
}

// subscribed matches the line a reader logs once it owns partitions: their starting offsets, as
// fetched from the group's committed offsets (-2 = none committed, start from the first).
var subscribed = regexp.MustCompile(`subscribed to partitions: map\[([^\]]*)\]`)

// memberLog collects one reader's log lines and keeps its latest subscription.
type memberLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	lines   []string
	current map[int]int64
	changed time.Time
}

func (m *memberLog) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf.Write(p)
	for {
		i := bytes.IndexByte(m.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		line := string(m.buf.Next(i + 1))
		line = strings.TrimSpace(line)
		m.lines = append(m.lines, line)
		if strings.Contains(line, "rebalancing consumer group") {
			m.current = nil
			m.changed = time.Now()
		}
		if sm := subscribed.FindStringSubmatch(line); sm != nil {
			cur := map[int]int64{}
			for _, kv := range strings.Fields(sm[1]) {
				parts := strings.SplitN(kv, ":", 2)
				p, _ := strconv.Atoi(parts[0])
				o, _ := strconv.ParseInt(parts[1], 10, 64)
				cur[p] = o
			}
			m.current = cur
			m.changed = time.Now()
		}
	}
	return len(p), nil
}

func (m *memberLog) snapshot() (map[int]int64, time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := map[int]int64{}
	for k, v := range m.current {
		cur[k] = v
	}
	return cur, m.changed
}

func group(d *kafka.Dialer, bootstrap string, s *spec) {
	logs := make([]*memberLog, s.Members)
	readers := make([]*kafka.Reader, s.Members)
	for i := range readers {
		logs[i] = &memberLog{}
		md := *d
		md.ClientID = fmt.Sprintf("%s-%d", s.ClientID, i)
		readers[i] = kafka.NewReader(kafka.ReaderConfig{
			Brokers:           []string{bootstrap},
			GroupID:           s.Group,
			Topic:             s.Topic,
			Dialer:            &md,
			HeartbeatInterval: 300 * time.Millisecond,
			// Short: Close never sends LeaveGroup (it dials the coordinator with the context it has
			// just cancelled), so the broker drops these members when their session times out.
			SessionTimeout:   1500 * time.Millisecond,
			RebalanceTimeout: 3 * time.Second,
			Logger:           log.New(logs[i], "", 0),
			ErrorLogger:      log.New(logs[i], "error: ", 0),
		})
	}
	// Stable: every member's latest subscription is non-empty, together they own each partition
	// once, and nothing changed for StableMs.
	deadline := time.Now().Add(time.Duration(s.TimeoutMs) * time.Millisecond)
	assignments := make([]map[int]int64, s.Members)
	stable := false
	for !stable && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		owned := map[int]int{}
		latest := time.Time{}
		ok := true
		for i, m := range logs {
			cur, changed := m.snapshot()
			assignments[i] = cur
			if len(cur) == 0 {
				ok = false
			}
			for p := range cur {
				owned[p]++
			}
			if changed.After(latest) {
				latest = changed
			}
		}
		if ok && len(owned) == s.Partitions && time.Since(latest) >= time.Duration(s.StableMs)*time.Millisecond {
			stable = true
			for _, n := range owned {
				if n != 1 {
					stable = false
				}
			}
		}
	}
	// Each member commits, for its own partitions, the offsets the test asked for (a message at
	// offset o commits o+1): this kafka-go cannot fetch records from Takhin, so nothing is read.
	commitErrors := []string{}
	if stable {
		for i, r := range readers {
			msgs := []kafka.Message{}
			for p := range assignments[i] {
				if o, ok := s.CommitOffsets[strconv.Itoa(p)]; ok {
					msgs = append(msgs, kafka.Message{Topic: s.Topic, Partition: p, Offset: o - 1})
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := r.CommitMessages(ctx, msgs...); err != nil {
				commitErrors = append(commitErrors, fmt.Sprintf("member %d: %v", i, err))
			}
			cancel()
		}
	}
	closeErrors := []string{}
	for i, r := range readers {
		if err := r.Close(); err != nil {
			closeErrors = append(closeErrors, fmt.Sprintf("member %d: %v", i, err))
		}
	}
	out := []map[string]int64{}
	lines := [][]string{}
	for i, a := range assignments {
		m := map[string]int64{}
		for p, o := range a {
			m[strconv.Itoa(p)] = o
		}
		out = append(out, m)
		logs[i].mu.Lock()
		// The group's own lines; the partition readers' fetch retries would drown them.
		kept := []string{}
		for _, l := range logs[i].lines {
			if !strings.Contains(l, "kafka reader") && len(kept) < 40 {
				kept = append(kept, l)
			}
		}
		lines = append(lines, kept)
		logs[i].mu.Unlock()
	}
	emit(map[string]interface{}{"stable": stable, "assignments": out, "commitErrors": commitErrors, "closeErrors": closeErrors, "logs": lines})
}
