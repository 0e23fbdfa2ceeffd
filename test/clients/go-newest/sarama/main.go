// IBM/sarama at its newest release, driven by test/clients/sarama-newest.test.ts.
// Usage: sarama <bootstrap> <mode> <spec.json>; prints one JSON line with what it observed.
// Modes: produce, consume, group, seek, admin, txn. Config.Version is sarama.MaxVersion unless
// the spec names "default" (sarama.DefaultVersion).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

type wireRecord struct {
	P  int32       `json:"p"`
	K  *string     `json:"k"`
	V  *string     `json:"v"`
	H  [][2]string `json:"h"`
	Ts int64       `json:"ts"`
}

type consumed struct {
	T  string      `json:"t"`
	P  int32       `json:"p"`
	O  int64       `json:"o"`
	K  *string     `json:"k"`
	V  *string     `json:"v"`
	H  [][2]string `json:"h"`
	Ts int64       `json:"ts"`
}

type job struct {
	Topic       string `json:"topic"`
	Codec       string `json:"codec"`
	RecordsFile string `json:"recordsFile"`
	Idempotent  bool   `json:"idempotent"`
}

type spec struct {
	ClientID   string            `json:"clientId"`
	Version    string            `json:"version"`
	Jobs       []job             `json:"jobs"`
	Topics     []string          `json:"topics"`
	Partitions int32             `json:"partitions"`
	Topic      string            `json:"topic"`
	Output     string            `json:"output"`
	Group      string            `json:"group"`
	Balancer   string            `json:"balancer"`
	Members    int               `json:"members"`
	Expected   int               `json:"expected"`
	InstanceID string            `json:"instanceId"`
	TxnID      string            `json:"txnId"`
	Configs    map[string]string `json:"configs"`
	AtMilli    int64             `json:"atMilli"`
	TimeoutMs  int               `json:"timeoutMs"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func emit(v any) {
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

func dec(s *string) []byte {
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

func enc(b []byte) *string {
	if b == nil {
		return nil
	}
	s := base64.StdEncoding.EncodeToString(b)
	return &s
}

var bootstrap []string

func config(s *spec) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = s.ClientID
	c.Version = sarama.MaxVersion
	if s.Version == "default" {
		c.Version = sarama.DefaultVersion
	}
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Consumer.Return.Errors = true
	c.Metadata.Retry.Max = 10
	c.Metadata.Retry.Backoff = 200 * time.Millisecond
	return c
}

func codec(name string) sarama.CompressionCodec {
	switch name {
	case "gzip":
		return sarama.CompressionGZIP
	case "snappy":
		return sarama.CompressionSnappy
	case "lz4":
		return sarama.CompressionLZ4
	case "zstd":
		return sarama.CompressionZSTD
	}
	return sarama.CompressionNone
}

func timeoutMs(s *spec) time.Duration {
	if s.TimeoutMs == 0 {
		return 20 * time.Second
	}
	return time.Duration(s.TimeoutMs) * time.Millisecond
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: sarama <bootstrap> <mode> <spec.json>")
	}
	bootstrap = []string{os.Args[1]}
	raw, err := os.ReadFile(os.Args[3])
	if err != nil {
		fail("spec: %v", err)
	}
	var s spec
	if err := json.Unmarshal(raw, &s); err != nil {
		fail("spec: %v", err)
	}
	switch os.Args[2] {
	case "produce":
		produce(&s)
	case "consume":
		consume(&s)
	case "group":
		group(&s)
	case "seek":
		seek(&s)
	case "admin":
		admin(&s)
	case "txn":
		txn(&s)
	default:
		fail("unknown mode %s", os.Args[2])
	}
}

// produce: a SyncProducer per job (manual partitioner, acks=all; idempotent when the job says),
// keys, headers and CreateTime timestamps. Prints [partition, offset] per record in input order.
func produce(s *spec) {
	delivered := map[string][][2]int64{}
	errs := []string{}
	for _, j := range s.Jobs {
		raw, err := os.ReadFile(j.RecordsFile)
		if err != nil {
			fail("records: %v", err)
		}
		var rs []wireRecord
		if err := json.Unmarshal(raw, &rs); err != nil {
			fail("records: %v", err)
		}
		c := config(s)
		c.Producer.Partitioner = sarama.NewManualPartitioner
		c.Producer.Compression = codec(j.Codec)
		c.Producer.RequiredAcks = sarama.WaitForAll
		if j.Idempotent {
			c.Producer.Idempotent = true
			c.Net.MaxOpenRequests = 1
		}
		p, err := sarama.NewSyncProducer(bootstrap, c)
		if err != nil {
			fail("producer: %v", err)
		}
		out := make([][2]int64, len(rs))
		for i, r := range rs {
			m := &sarama.ProducerMessage{Topic: j.Topic, Partition: r.P, Timestamp: time.UnixMilli(r.Ts)}
			if k := dec(r.K); k != nil {
				m.Key = sarama.ByteEncoder(k)
			}
			if v := dec(r.V); v != nil {
				m.Value = sarama.ByteEncoder(v)
			}
			for _, h := range r.H {
				m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(h[0]), Value: dec(&h[1])})
			}
			part, off, err := p.SendMessage(m)
			if err != nil {
				errs = append(errs, err.Error())
			}
			out[i] = [2]int64{int64(part), off}
		}
		delivered[j.Topic] = out
		p.Close()
	}
	emit(map[string]any{"delivered": delivered, "errors": errs})
}

func toConsumed(m *sarama.ConsumerMessage) consumed {
	h := [][2]string{}
	for _, x := range m.Headers {
		h = append(h, [2]string{string(x.Key), *enc(append([]byte{}, x.Value...))})
	}
	return consumed{T: m.Topic, P: m.Partition, O: m.Offset, K: enc(m.Key), V: enc(m.Value), H: h, Ts: m.Timestamp.UnixMilli()}
}

// consume: partition consumers from the oldest offset to the newest the client lists
// (read_committed when s.Output is "committed").
func consume(s *spec) {
	c := config(s)
	if s.Output == "committed" {
		c.Consumer.IsolationLevel = sarama.ReadCommitted
	}
	cl, err := sarama.NewClient(bootstrap, c)
	if err != nil {
		fail("client: %v", err)
	}
	defer cl.Close()
	co, err := sarama.NewConsumerFromClient(cl)
	if err != nil {
		fail("consumer: %v", err)
	}
	defer co.Close()
	records := []consumed{}
	errs := []string{}
	deadline := time.After(timeoutMs(s))
	timedOut := false
	for _, t := range s.Topics {
		parts, err := cl.Partitions(t)
		if err != nil {
			fail("partitions: %v", err)
		}
		for _, p := range parts {
			end, err := cl.GetOffset(t, p, sarama.OffsetNewest)
			if err != nil {
				fail("offset: %v", err)
			}
			if end == 0 {
				continue
			}
			pc, err := co.ConsumePartition(t, p, sarama.OffsetOldest)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
		loop:
			for {
				select {
				case m := <-pc.Messages():
					records = append(records, toConsumed(m))
					if m.Offset+1 >= end {
						break loop
					}
				case e := <-pc.Errors():
					errs = append(errs, e.Error())
					break loop
				case <-deadline:
					timedOut = true
					break loop
				}
			}
			pc.Close()
		}
	}
	emit(map[string]any{"records": records, "errors": errs, "timedOut": timedOut})
}

func strategy(name string) sarama.BalanceStrategy {
	switch name {
	case "range":
		return sarama.NewBalanceStrategyRange()
	case "roundrobin":
		return sarama.NewBalanceStrategyRoundRobin()
	case "sticky":
		return sarama.NewBalanceStrategySticky()
	}
	return sarama.NewBalanceStrategyCooperativeSticky()
}

type handler struct {
	mu         *sync.Mutex
	index      int
	seen       map[string]int
	perMember  []int
	claims     [][]int32
	total      *int
	expected   int
	done       func()
	generation []int32
}

func (h *handler) Setup(sess sarama.ConsumerGroupSession) error {
	h.mu.Lock()
	h.claims[h.index] = append([]int32{}, sess.Claims()[sessTopic]...)
	h.generation[h.index] = sess.GenerationID()
	h.mu.Unlock()
	return nil
}
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *handler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		sess.MarkMessage(m, "")
		sess.Commit()
		h.mu.Lock()
		h.seen[fmt.Sprintf("%d:%d", m.Partition, m.Offset)]++
		h.perMember[h.index]++
		*h.total++
		reached := *h.total >= h.expected
		h.mu.Unlock()
		if reached {
			h.done()
		}
	}
	return nil
}

var sessTopic string

// group: s.Members ConsumerGroups with one balance strategy read s.Expected records of s.Topic
// together, committing every record (manual commits); prints claims, counts and the group as described.
func group(s *spec) {
	sessTopic = s.Topic
	ctx, cancel := context.WithTimeout(context.Background(), timeoutMs(s))
	defer cancel()
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	var mu sync.Mutex
	total := 0
	h := handler{mu: &mu, seen: map[string]int{}, perMember: make([]int, s.Members), claims: make([][]int32, s.Members), total: &total, expected: s.Expected, done: stop, generation: make([]int32, s.Members)}
	groups := make([]sarama.ConsumerGroup, s.Members)
	var wg sync.WaitGroup
	errs := []string{}
	for i := 0; i < s.Members; i++ {
		c := config(s)
		c.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{strategy(s.Balancer)}
		c.Consumer.Offsets.Initial = sarama.OffsetOldest
		c.Consumer.Offsets.AutoCommit.Enable = false
		if s.InstanceID != "" {
			c.Consumer.Group.InstanceId = fmt.Sprintf("%s-%d", s.InstanceID, i)
		}
		g, err := sarama.NewConsumerGroup(bootstrap, s.Group, c)
		if err != nil {
			fail("group: %v", err)
		}
		groups[i] = g
		hi := h
		hi.index = i
		wg.Add(1)
		go func(g sarama.ConsumerGroup, hi *handler) {
			defer wg.Done()
			for readCtx.Err() == nil {
				if err := g.Consume(readCtx, []string{s.Topic}, hi); err != nil && readCtx.Err() == nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
					time.Sleep(100 * time.Millisecond)
				}
			}
		}(g, &hi)
	}
	wg.Wait()
	timedOut := ctx.Err() != nil
	dups := 0
	for _, n := range h.seen {
		if n > 1 {
			dups += n - 1
		}
	}
	mu.Lock()
	claims := make([][]int32, len(h.claims))
	for i, c := range h.claims {
		claims[i] = append([]int32{}, c...)
		sort.Slice(claims[i], func(x, y int) bool { return claims[i][x] < claims[i][y] })
	}
	mu.Unlock()
	adm, err := sarama.NewClusterAdmin(bootstrap, config(s))
	if err != nil {
		fail("admin: %v", err)
	}
	desc := map[string]any{}
	if ds, err := adm.DescribeConsumerGroups([]string{s.Group}); err == nil && len(ds) == 1 {
		ids := []string{}
		for id, m := range ds[0].Members {
			if m.GroupInstanceId != nil {
				id = *m.GroupInstanceId
			}
			ids = append(ids, id)
		}
		sort.Strings(ids)
		desc = map[string]any{"state": ds[0].State, "protocolType": ds[0].ProtocolType, "protocol": ds[0].Protocol, "members": ids}
	} else {
		desc["error"] = errText(err)
	}
	adm.Close()
	for _, g := range groups {
		g.Close()
	}
	emit(map[string]any{"timedOut": timedOut, "distinct": len(h.seen), "duplicates": dups, "perMember": h.perMember, "assignments": claims, "describe": desc, "errors": errs})
}

// seek: GetOffset by time, oldest and newest; a partition consumer from an exact offset; a group
// consumer with Offsets.Initial = OffsetNewest and one that ResetOffset()s to an earlier offset.
func seek(s *spec) {
	c := config(s)
	cl, err := sarama.NewClient(bootstrap, c)
	if err != nil {
		fail("client: %v", err)
	}
	defer cl.Close()
	out := map[string]any{}
	out["byTime"], _ = cl.GetOffset(s.Topic, 0, s.AtMilli)
	out["oldest"], _ = cl.GetOffset(s.Topic, 0, sarama.OffsetOldest)
	out["newest"], _ = cl.GetOffset(s.Topic, 0, sarama.OffsetNewest)
	co, _ := sarama.NewConsumerFromClient(cl)
	pc, err := co.ConsumePartition(s.Topic, 0, 7)
	if err != nil {
		fail("consume: %v", err)
	}
	select {
	case m := <-pc.Messages():
		out["at"] = m.Offset
	case <-time.After(timeoutMs(s)):
		out["at"] = -1
	}
	pc.Close()
	_, err = co.ConsumePartition(s.Topic, 0, 1000)
	out["outOfRange"] = errText(err)
	co.Close()
	// The group has committed offset 10 (AlterConsumerGroupOffsets); a member that resets its
	// offset to 4 in Setup (ResetOffset only moves back) reads from there.
	adm, err := sarama.NewClusterAdminFromClient(cl)
	if err != nil {
		fail("admin: %v", err)
	}
	_, err = adm.AlterConsumerGroupOffsets(s.Group, map[string]map[int32]sarama.OffsetAndMetadata{s.Topic: {0: {Offset: 10, LeaderEpoch: -1}}}, nil)
	out["alterOffsets"] = errText(err)
	gc := config(s)
	gc.Consumer.Offsets.Initial = sarama.OffsetNewest
	g, err := sarama.NewConsumerGroup(bootstrap, s.Group, gc)
	if err != nil {
		fail("group: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeoutMs(s))
	first := int64(-1)
	rs := &resetter{topic: s.Topic, to: 4, got: func(o int64) { first = o; cancel() }}
	for ctx.Err() == nil {
		_ = g.Consume(ctx, []string{s.Topic}, rs)
	}
	out["groupReset"] = first
	g.Close()
	emit(out)
}

type resetter struct {
	topic string
	to    int64
	got   func(int64)
}

func (r *resetter) Setup(sess sarama.ConsumerGroupSession) error {
	sess.ResetOffset(r.topic, 0, r.to, "")
	return nil
}
func (r *resetter) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (r *resetter) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		r.got(m.Offset)
		return nil
	}
	return nil
}

// admin: ClusterAdmin's topic, config, partition, record and group calls; every result as observed.
func admin(s *spec) {
	adm, err := sarama.NewClusterAdmin(bootstrap, config(s))
	if err != nil {
		fail("admin: %v", err)
	}
	defer adm.Close()
	out := map[string]any{}
	brokers, controller, err := adm.DescribeCluster()
	ids := []int32{}
	for _, b := range brokers {
		ids = append(ids, b.ID())
	}
	out["describeCluster"] = map[string]any{"brokers": ids, "controller": controller, "error": errText(err)}
	entries := map[string]*string{}
	for k, v := range s.Configs {
		v := v
		entries[k] = &v
	}
	detail := &sarama.TopicDetail{NumPartitions: s.Partitions, ReplicationFactor: 1, ConfigEntries: entries}
	out["validateOnly"] = errText(adm.CreateTopic(s.Topic, detail, true))
	out["create"] = errText(adm.CreateTopic(s.Topic, detail, false))
	out["createAgain"] = errText(adm.CreateTopic(s.Topic, detail, false))
	describe := func() map[string]any {
		cs, err := adm.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: s.Topic})
		m := map[string]any{}
		for _, e := range cs {
			m[e.Name] = map[string]any{"value": e.Value, "default": e.Default, "source": e.Source.String()}
		}
		return map[string]any{"entries": m, "error": errText(err)}
	}
	out["describeConfig"] = describe()
	rms := "7200000"
	out["incrementalAlter"] = errText(adm.IncrementalAlterConfig(sarama.TopicResource, s.Topic, map[string]sarama.IncrementalAlterConfigsEntry{
		"retention.ms":      {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &rms},
		"max.message.bytes": {Operation: sarama.IncrementalAlterConfigsOperationDelete},
	}, false))
	out["afterAlter"] = describe()
	out["createPartitions"] = errText(adm.CreatePartitions(s.Topic, s.Partitions+2, nil, false))
	out["createPartitionsFewer"] = errText(adm.CreatePartitions(s.Topic, 1, nil, false))
	md, err := adm.DescribeTopics([]string{s.Topic})
	if err == nil && len(md) == 1 {
		out["partitionsAfter"] = len(md[0].Partitions)
	}
	// Ten keyed records in partition 0, then DeleteRecords before offset 4.
	pc := config(s)
	pc.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer(bootstrap, pc)
	if err != nil {
		fail("producer: %v", err)
	}
	for i := 0; i < 10; i++ {
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: s.Topic, Partition: 0, Key: sarama.StringEncoder(fmt.Sprintf("k%d", i)), Value: sarama.StringEncoder(fmt.Sprintf("r%d", i))}); err != nil {
			out["produceError"] = err.Error()
		}
	}
	p.Close()
	out["deleteRecords"] = errText(adm.DeleteRecords(s.Topic, map[int32]int64{0: 4}))
	lo, err := adm.ListOffsets(map[string]map[int32]int64{s.Topic: {0: sarama.OffsetOldest}}, nil)
	if err == nil {
		if r := lo[s.Topic][0]; r != nil {
			out["startOffset"] = r.Offset
		}
	}
	out["listOffsetsError"] = errText(err)
	// Groups: offsets altered for a group nobody is in, listed, described, fetched, deleted.
	_, err = adm.AlterConsumerGroupOffsets(s.Group, map[string]map[int32]sarama.OffsetAndMetadata{s.Topic: {0: {Offset: 6, LeaderEpoch: -1}}}, nil)
	out["alterGroupOffsets"] = errText(err)
	fo, err := adm.ListConsumerGroupOffsets(s.Group, map[string][]int32{s.Topic: {0}})
	if err == nil {
		if b := fo.GetBlock(s.Topic, 0); b != nil {
			out["fetchOffset"] = b.Offset
		}
	}
	lg, err := adm.ListConsumerGroups()
	out["listGroups"] = map[string]any{"protocolType": lg[s.Group], "error": errText(err)}
	dg, err := adm.DescribeConsumerGroups([]string{s.Group})
	if err == nil && len(dg) == 1 {
		out["describeGroup"] = map[string]any{"state": dg[0].State, "members": len(dg[0].Members)}
	}
	// OffsetDelete of partition 0 while partition 1 keeps its offset (the group stays).
	_, err = adm.AlterConsumerGroupOffsets(s.Group, map[string]map[int32]sarama.OffsetAndMetadata{s.Topic: {1: {Offset: 0, LeaderEpoch: -1}}}, nil)
	out["alterGroupOffsets1"] = errText(err)
	out["deleteGroupOffset"] = errText(adm.DeleteConsumerGroupOffset(s.Group, s.Topic, 0))
	fo, _ = adm.ListConsumerGroupOffsets(s.Group, map[string][]int32{s.Topic: {0, 1}})
	if b := fo.GetBlock(s.Topic, 0); b != nil {
		out["fetchAfterDelete"] = []int64{b.Offset, fo.GetBlock(s.Topic, 1).Offset}
	}
	out["deleteGroup"] = errText(adm.DeleteConsumerGroup(s.Group))
	out["deleteGroupAgain"] = errText(adm.DeleteConsumerGroup(s.Group))
	out["delete"] = errText(adm.DeleteTopic(s.Topic))
	out["deleteAgain"] = errText(adm.DeleteTopic(s.Topic))
	emit(out)
}

// txn: a transactional producer commits, aborts and commits again on s.Topic, then copies the
// committed records of s.Topic to s.Output with their offsets committed to s.Group in one transaction.
func txn(s *spec) {
	c := config(s)
	c.Producer.Idempotent = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Transaction.ID = s.TxnID
	c.Producer.Partitioner = sarama.NewManualPartitioner
	c.Net.MaxOpenRequests = 1
	p, err := sarama.NewSyncProducer(bootstrap, c)
	if err != nil {
		fail("producer: %v", err)
	}
	defer p.Close()
	out := map[string]any{}
	run := func(label string, commit bool, n int) {
		if err := p.BeginTxn(); err != nil {
			out[label] = errText(err)
			return
		}
		for i := 0; i < n; i++ {
			if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: s.Topic, Partition: int32(i % 2), Value: sarama.StringEncoder(fmt.Sprintf("%s-%d", label, i))}); err != nil {
				out[label] = errText(err)
				return
			}
		}
		if commit {
			out[label] = errText(p.CommitTxn())
		} else {
			out[label] = errText(p.AbortTxn())
		}
	}
	run("committed", true, 6)
	run("aborted", false, 4)
	run("committed2", true, 2)
	// Consume-transform-produce: the offsets of what was copied go into the transaction.
	if err := p.BeginTxn(); err != nil {
		fail("begin: %v", err)
	}
	for i := 0; i < 3; i++ {
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: s.Output, Partition: 0, Value: sarama.StringEncoder(fmt.Sprintf("copy-%d", i))}); err != nil {
			fail("send: %v", err)
		}
	}
	err = p.AddOffsetsToTxn(map[string][]*sarama.PartitionOffsetMetadata{s.Topic: {{Partition: 0, Offset: 3, LeaderEpoch: -1}}}, s.Group)
	out["addOffsets"] = errText(err)
	out["copy"] = errText(p.CommitTxn())
	out["status"] = p.TxnStatus().String()
	emit(out)
}
