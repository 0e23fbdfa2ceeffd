// Sarama (the Debian-packaged github.com/Shopify/sarama) against a Takhin broker, driven by
// test/clients/go-clients.test.ts. Usage: sarama <bootstrap> <mode> <spec.json>
//
// Modes: metadata (brokers and topics), admin (ClusterAdmin create/describe/partitions/delete),
// produce (sync or async producer, per-job codec and idempotence), consume (partition consumers
// from the oldest offset to the high watermark), group (N consumer-group members in this process
// reading a topic until a record count is reached, offsets committed on close).
// Every mode prints one JSON object as its last stdout line; records use the shared WireRecord
// shape of test/clients/scripts/pc-common.ts (bytes as base64, null kept as null).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

type spec struct {
	Version  string `json:"version"`
	ClientID string `json:"clientId"`

	// admin
	Topic         string            `json:"topic"`
	Partitions    int32             `json:"partitions"`
	NewPartitions int32             `json:"newPartitions"`
	Configs       map[string]string `json:"configs"`

	// produce
	Jobs []job `json:"jobs"`

	// consume
	Topics []struct {
		Topic      string `json:"topic"`
		Partitions int32  `json:"partitions"`
	} `json:"topics"`

	// group
	Group     string `json:"group"`
	Members   int    `json:"members"`
	Expected  int    `json:"expected"`
	TimeoutMs int    `json:"timeoutMs"`
	// Consumer.Offsets.Retention in ms (0 = Sarama's default, which means OffsetCommit v1).
	RetentionMs int `json:"retentionMs"`
}

type job struct {
	Topic       string `json:"topic"`
	Codec       string `json:"codec"`
	RecordsFile string `json:"recordsFile"`
	Producer    string `json:"producer"`
	Idempotent  bool   `json:"idempotent"`
}

type wireRecord struct {
	P  int32       `json:"p"`
	K  *string     `json:"k"`
	V  *string     `json:"v"`
	H  [][2]string `json:"h"`
	Ts int64       `json:"ts"`
}

type consumedRecord struct {
	T  string      `json:"t"`
	P  int32       `json:"p"`
	O  int64       `json:"o"`
	K  *string     `json:"k"`
	V  *string     `json:"v"`
	H  [][2]string `json:"h"`
	Ts int64       `json:"ts"`
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
	if err == nil || err == sarama.ErrNoError {
		return nil
	}
	s := err.Error()
	return &s
}

func decode64(s *string) []byte {
	if s == nil {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(*s)
	if err != nil {
		fail("base64: %v", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

func encode64(b []byte) *string {
	if b == nil {
		return nil
	}
	s := base64.StdEncoding.EncodeToString(b)
	return &s
}

func newConfig(s *spec) *sarama.Config {
	c := sarama.NewConfig()
	if s.ClientID != "" {
		c.ClientID = s.ClientID
	}
	if s.Version != "" && s.Version != "default" {
		v, err := sarama.ParseKafkaVersion(s.Version)
		if err != nil {
			fail("version %q: %v", s.Version, err)
		}
		c.Version = v
	}
	c.Metadata.Retry.Max = 3
	c.Metadata.Retry.Backoff = 100 * time.Millisecond
	c.Net.DialTimeout = 5 * time.Second
	c.Net.ReadTimeout = 10 * time.Second
	c.Net.WriteTimeout = 10 * time.Second
	return c
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: sarama <bootstrap> <mode> <spec.json>")
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
	addrs := []string{bootstrap}
	switch mode {
	case "metadata":
		metadata(addrs, &s)
	case "admin":
		admin(addrs, &s)
	case "produce":
		produce(addrs, &s)
	case "consume":
		consume(addrs, &s)
	case "group":
		group(addrs, &s)
	default:
		fail("unknown mode %q", mode)
	}
}

func metadata(addrs []string, s *spec) {
	client, err := sarama.NewClient(addrs, newConfig(s))
	if err != nil {
		fail("client: %v", err)
	}
	defer client.Close()
	type brokerOut struct {
		ID   int32  `json:"nodeId"`
		Addr string `json:"addr"`
	}
	type topicOut struct {
		Name       string `json:"name"`
		Partitions int    `json:"partitions"`
	}
	out := struct {
		Brokers      []brokerOut `json:"brokers"`
		Topics       []topicOut  `json:"topics"`
		ControllerID int32       `json:"controllerId"`
		Error        *string     `json:"controllerError"`
	}{Brokers: []brokerOut{}, Topics: []topicOut{}, ControllerID: -1}
	for _, b := range client.Brokers() {
		out.Brokers = append(out.Brokers, brokerOut{b.ID(), b.Addr()})
	}
	topics, err := client.Topics()
	if err != nil {
		fail("topics: %v", err)
	}
	sort.Strings(topics)
	for _, t := range topics {
		ps, err := client.Partitions(t)
		if err != nil {
			fail("partitions of %s: %v", t, err)
		}
		out.Topics = append(out.Topics, topicOut{t, len(ps)})
	}
	// Controller() needs Metadata v1+; the default (0.8.2) version has no controller.
	if ctrl, err := client.Controller(); err == nil {
		out.ControllerID = ctrl.ID()
	} else {
		out.Error = errText(err)
	}
	emit(out)
}

func admin(addrs []string, s *spec) {
	ca, err := sarama.NewClusterAdmin(addrs, newConfig(s))
	if err != nil {
		fail("admin: %v", err)
	}
	defer ca.Close()
	steps := map[string]interface{}{}

	brokers, controller, err := ca.DescribeCluster()
	ids := []int32{}
	for _, b := range brokers {
		ids = append(ids, b.ID())
	}
	steps["describeCluster"] = map[string]interface{}{"brokers": ids, "controllerId": controller, "error": errText(err)}

	entries := map[string]*string{}
	for k, v := range s.Configs {
		value := v
		entries[k] = &value
	}
	detail := &sarama.TopicDetail{NumPartitions: s.Partitions, ReplicationFactor: 1, ConfigEntries: entries}
	steps["validateOnly"] = errText(ca.CreateTopic(s.Topic, detail, true))
	steps["create"] = errText(ca.CreateTopic(s.Topic, detail, false))
	steps["createAgain"] = errText(ca.CreateTopic(s.Topic, detail, false))

	names := []string{}
	for k := range s.Configs {
		names = append(names, k)
	}
	described, err := ca.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: s.Topic})
	all := map[string]interface{}{}
	for _, e := range described {
		all[e.Name] = map[string]interface{}{"value": e.Value, "default": e.Default, "readOnly": e.ReadOnly, "source": e.Source.String()}
	}
	steps["describeConfig"] = map[string]interface{}{"entries": all, "error": errText(err)}

	listed, err := ca.ListTopics()
	if d, ok := listed[s.Topic]; ok {
		cfg := map[string]string{}
		for k, v := range d.ConfigEntries {
			if v != nil {
				cfg[k] = *v
			}
		}
		steps["listTopics"] = map[string]interface{}{"partitions": d.NumPartitions, "replicationFactor": d.ReplicationFactor, "configs": cfg, "error": errText(err)}
	} else {
		steps["listTopics"] = map[string]interface{}{"missing": true, "error": errText(err)}
	}

	steps["createPartitions"] = errText(ca.CreatePartitions(s.Topic, s.NewPartitions, nil, false))
	steps["createPartitionsFewer"] = errText(ca.CreatePartitions(s.Topic, 1, nil, false))
	meta, err := ca.DescribeTopics([]string{s.Topic})
	if err == nil && len(meta) == 1 {
		steps["describeTopics"] = map[string]interface{}{"partitions": len(meta[0].Partitions), "error": errText(meta[0].Err)}
	} else {
		steps["describeTopics"] = map[string]interface{}{"error": errText(err)}
	}

	steps["delete"] = errText(ca.DeleteTopic(s.Topic))
	steps["deleteAgain"] = errText(ca.DeleteTopic(s.Topic))
	listed, err = ca.ListTopics()
	_, stillThere := listed[s.Topic]
	steps["listAfterDelete"] = map[string]interface{}{"present": stillThere, "error": errText(err)}
	emit(steps)
}

var codecs = map[string]sarama.CompressionCodec{
	"none":   sarama.CompressionNone,
	"gzip":   sarama.CompressionGZIP,
	"snappy": sarama.CompressionSnappy,
	"lz4":    sarama.CompressionLZ4,
	"zstd":   sarama.CompressionZSTD,
}

func loadRecords(path string) []wireRecord {
	raw, err := ioutil.ReadFile(path)
	if err != nil {
		fail("records: %v", err)
	}
	var rs []wireRecord
	if err := json.Unmarshal(raw, &rs); err != nil {
		fail("records: %v", err)
	}
	return rs
}

func toMessage(topic string, i int, r wireRecord) *sarama.ProducerMessage {
	m := &sarama.ProducerMessage{Topic: topic, Partition: r.P, Metadata: i, Timestamp: time.Unix(0, r.Ts*int64(time.Millisecond))}
	if r.K != nil {
		m.Key = sarama.ByteEncoder(decode64(r.K))
	}
	if r.V != nil {
		m.Value = sarama.ByteEncoder(decode64(r.V))
	}
	for _, h := range r.H {
		m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(h[0]), Value: decode64(&h[1])})
	}
	return m
}

func produce(addrs []string, s *spec) {
	delivered := map[string][]interface{}{}
	elapsed := map[string]int64{}
	errs := []string{}
	for _, j := range s.Jobs {
		started := time.Now()
		records := loadRecords(j.RecordsFile)
		c := newConfig(s)
		codec, ok := codecs[j.Codec]
		if !ok {
			fail("codec %q", j.Codec)
		}
		c.Producer.Compression = codec
		c.Producer.RequiredAcks = sarama.WaitForAll
		c.Producer.Partitioner = sarama.NewManualPartitioner
		c.Producer.Return.Successes = true
		c.Producer.Return.Errors = true
		c.Producer.Retry.Max = 3
		c.Producer.Retry.Backoff = 100 * time.Millisecond
		c.Producer.Flush.Messages = 25
		c.Producer.Flush.Frequency = 5 * time.Millisecond
		if j.Idempotent {
			c.Producer.Idempotent = true
			c.Net.MaxOpenRequests = 1
		}
		slots := make([]interface{}, len(records))
		msgs := make([]*sarama.ProducerMessage, len(records))
		for i, r := range records {
			msgs[i] = toMessage(j.Topic, i, r)
		}
		note := func(m *sarama.ProducerMessage, err error) {
			i := m.Metadata.(int)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s #%d: %v", j.Topic, i, err))
				return
			}
			slots[i] = []int64{int64(m.Partition), m.Offset}
		}
		switch j.Producer {
		case "sync":
			p, err := sarama.NewSyncProducer(addrs, c)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: new sync producer: %v", j.Topic, err))
				break
			}
			if err := p.SendMessages(msgs); err != nil {
				if pe, ok := err.(sarama.ProducerErrors); ok {
					for _, e := range pe {
						note(e.Msg, e.Err)
					}
				} else {
					errs = append(errs, fmt.Sprintf("%s: %v", j.Topic, err))
				}
			}
			// SendMessages fills in Partition and Offset of each message that succeeded.
			for _, m := range msgs {
				i := m.Metadata.(int)
				if slots[i] == nil && !failed(errs, j.Topic, i) {
					slots[i] = []int64{int64(m.Partition), m.Offset}
				}
			}
			p.Close()
		case "async":
			p, err := sarama.NewAsyncProducer(addrs, c)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: new async producer: %v", j.Topic, err))
				break
			}
			go func() {
				for _, m := range msgs {
					p.Input() <- m
				}
			}()
			deadline := time.After(20 * time.Second)
			for n := 0; n < len(msgs); n++ {
				select {
				case m := <-p.Successes():
					note(m, nil)
				case e := <-p.Errors():
					note(e.Msg, e.Err)
				case <-deadline:
					errs = append(errs, fmt.Sprintf("%s: async producer timed out after %d of %d", j.Topic, n, len(msgs)))
					n = len(msgs)
				}
			}
			p.AsyncClose()
			for range p.Successes() {
			}
		default:
			fail("producer %q", j.Producer)
		}
		delivered[j.Topic] = slots
		elapsed[j.Topic] = time.Since(started).Milliseconds()
	}
	emit(map[string]interface{}{"delivered": delivered, "errors": errs, "ms": elapsed})
}

func failed(errs []string, topic string, i int) bool {
	prefix := fmt.Sprintf("%s #%d:", topic, i)
	for _, e := range errs {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}

func fromMessage(m *sarama.ConsumerMessage) consumedRecord {
	r := consumedRecord{T: m.Topic, P: m.Partition, O: m.Offset, K: encode64(m.Key), V: encode64(m.Value), H: [][2]string{}, Ts: m.Timestamp.UnixNano() / int64(time.Millisecond)}
	for _, h := range m.Headers {
		v := h.Value
		if v == nil {
			v = []byte{}
		}
		r.H = append(r.H, [2]string{string(h.Key), *encode64(v)})
	}
	return r
}

func consume(addrs []string, s *spec) {
	c := newConfig(s)
	c.Consumer.Return.Errors = true
	c.Consumer.MaxWaitTime = 100 * time.Millisecond
	client, err := sarama.NewClient(addrs, c)
	if err != nil {
		fail("client: %v", err)
	}
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		fail("consumer: %v", err)
	}
	defer consumer.Close()
	timeout := time.Duration(s.TimeoutMs) * time.Millisecond
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	records := []consumedRecord{}
	errs := []string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	note := func(format string, args ...interface{}) {
		mu.Lock()
		errs = append(errs, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	// Every partition at once: one partition after another would wait out a long poll each.
	for _, t := range s.Topics {
		for p := int32(0); p < t.Partitions; p++ {
			high, err := client.GetOffset(t.Topic, p, sarama.OffsetNewest)
			if err != nil {
				note("%s/%d high watermark: %v", t.Topic, p, err)
				continue
			}
			if high == 0 {
				continue
			}
			pc, err := consumer.ConsumePartition(t.Topic, p, sarama.OffsetOldest)
			if err != nil {
				note("%s/%d consume: %v", t.Topic, p, err)
				continue
			}
			wg.Add(1)
			go func(topic string, p int32, high int64, pc sarama.PartitionConsumer) {
				defer wg.Done()
				defer pc.Close()
				deadline := time.After(timeout)
				for {
					select {
					case m := <-pc.Messages():
						mu.Lock()
						records = append(records, fromMessage(m))
						mu.Unlock()
						if m.Offset >= high-1 {
							return
						}
					case e := <-pc.Errors():
						note("%s/%d: %v", topic, p, e.Err)
						return
					case <-deadline:
						note("%s/%d: timed out before offset %d", topic, p, high-1)
						return
					}
				}
			}(t.Topic, p, high, pc)
		}
	}
	wg.Wait()
	emit(map[string]interface{}{"records": records, "errors": errs})
}

// groupState is what every member of the group mode shares: the generation and partitions each
// member holds, so members start reading only once one generation has all of them with all the
// partitions (records read in a generation that is about to end would be read twice).
type groupState struct {
	mu         sync.Mutex
	members    int
	partitions int
	gen        map[int]int32
	claims     map[int][]int32
	seen       map[string]int
	read       []consumedRecord
	perMember  map[int]int
	history    []string
	expected   int
	done       chan struct{}
	doneOnce   sync.Once
}

func (g *groupState) stable(gen int32) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.gen) != g.members {
		return false
	}
	total := 0
	for m, v := range g.gen {
		if v != gen {
			return false
		}
		total += len(g.claims[m])
	}
	return total == g.partitions
}

type member struct {
	id    int
	topic string
	g     *groupState
}

func (m *member) Setup(s sarama.ConsumerGroupSession) error {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	ps := append([]int32{}, s.Claims()[m.topic]...)
	sort.Slice(ps, func(a, b int) bool { return ps[a] < ps[b] })
	m.g.gen[m.id] = s.GenerationID()
	m.g.claims[m.id] = ps
	m.g.history = append(m.g.history, fmt.Sprintf("member %d generation %d partitions %v", m.id, s.GenerationID(), ps))
	return nil
}

func (m *member) Cleanup(s sarama.ConsumerGroupSession) error {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	delete(m.g.gen, m.id)
	return nil
}

func (m *member) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !m.g.stable(s.GenerationID()) {
		select {
		case <-s.Context().Done():
			return nil
		case <-tick.C:
		}
	}
	for {
		select {
		case <-s.Context().Done():
			return nil
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			m.g.mu.Lock()
			key := fmt.Sprintf("%d:%d", msg.Partition, msg.Offset)
			m.g.seen[key]++
			m.g.perMember[m.id]++
			m.g.read = append(m.g.read, fromMessage(msg))
			if len(m.g.seen) >= m.g.expected {
				m.g.doneOnce.Do(func() { close(m.g.done) })
			}
			m.g.mu.Unlock()
			s.MarkMessage(msg, "")
		}
	}
}

func group(addrs []string, s *spec) {
	g := &groupState{
		members: s.Members, gen: map[int]int32{}, claims: map[int][]int32{}, seen: map[string]int{},
		perMember: map[int]int{}, expected: s.Expected, done: make(chan struct{}), read: []consumedRecord{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	groups := make([]sarama.ConsumerGroup, s.Members)
	errs := []string{}
	var errMu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < s.Members; i++ {
		c := newConfig(s)
		c.ClientID = fmt.Sprintf("%s-%d", s.ClientID, i)
		c.Consumer.Return.Errors = true
		c.Consumer.Offsets.Initial = sarama.OffsetOldest
		c.Consumer.Offsets.CommitInterval = 200 * time.Millisecond
		// With Retention 0 this Sarama commits with OffsetCommit v1, which Takhin (like Kafka 4,
		// KIP-896) no longer serves: the broker closes the connection. A retention selects v2.
		c.Consumer.Offsets.Retention = time.Duration(s.RetentionMs) * time.Millisecond
		c.Consumer.Group.Session.Timeout = 6 * time.Second
		c.Consumer.Group.Heartbeat.Interval = 500 * time.Millisecond
		c.Consumer.Group.Rebalance.Timeout = 10 * time.Second
		c.Consumer.MaxWaitTime = 200 * time.Millisecond
		cg, err := sarama.NewConsumerGroup(addrs, s.Group, c)
		if err != nil {
			fail("consumer group %d: %v", i, err)
		}
		groups[i] = cg
		go func(i int) {
			for e := range cg.Errors() {
				errMu.Lock()
				errs = append(errs, fmt.Sprintf("member %d: %v", i, e))
				errMu.Unlock()
			}
		}(i)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			h := &member{id: i, topic: s.Topic, g: g}
			for ctx.Err() == nil {
				if err := cg.Consume(ctx, []string{s.Topic}, h); err != nil {
					errMu.Lock()
					errs = append(errs, fmt.Sprintf("member %d consume: %v", i, err))
					errMu.Unlock()
					time.Sleep(100 * time.Millisecond)
				}
			}
		}(i)
	}
	// The partition count of the topic, for the stability check.
	client, err := sarama.NewClient(addrs, newConfig(s))
	if err != nil {
		fail("client: %v", err)
	}
	ps, err := client.Partitions(s.Topic)
	if err != nil {
		fail("partitions: %v", err)
	}
	client.Close()
	g.mu.Lock()
	g.partitions = len(ps)
	g.mu.Unlock()

	timeout := time.Duration(s.TimeoutMs) * time.Millisecond
	timedOut := false
	select {
	case <-g.done:
	case <-time.After(timeout):
		timedOut = true
	}
	g.mu.Lock()
	assignments := [][]int32{}
	for i := 0; i < s.Members; i++ {
		a := g.claims[i]
		if a == nil {
			a = []int32{}
		}
		assignments = append(assignments, a)
	}
	g.mu.Unlock()
	cancel()
	wg.Wait()
	for _, cg := range groups {
		if err := cg.Close(); err != nil {
			errs = append(errs, fmt.Sprintf("close: %v", err))
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	duplicates := 0
	for _, n := range g.seen {
		duplicates += n - 1
	}
	perMember := []int{}
	for i := 0; i < s.Members; i++ {
		perMember = append(perMember, g.perMember[i])
	}
	emit(map[string]interface{}{
		"assignments": assignments, "distinct": len(g.seen), "duplicates": duplicates, "perMember": perMember,
		"records": g.read, "history": g.history, "timedOut": timedOut, "errors": errs,
	})
}
