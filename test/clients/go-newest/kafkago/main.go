// segmentio/kafka-go at its newest release, driven by test/clients/kafka-go-newest.test.ts.
// Usage: kafkago <bootstrap> <mode> <spec.json>; prints one JSON line with what it observed.
// Modes: produce, consume, group, seek, admin. kafka-go has no idempotent or transactional
// producer and no static membership; its Writer, Reader and Client are what is driven here.
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

	"github.com/segmentio/kafka-go"
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
	P  int         `json:"p"`
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
}

type spec struct {
	ClientID   string            `json:"clientId"`
	Jobs       []job             `json:"jobs"`
	Topics     []string          `json:"topics"`
	Partitions int               `json:"partitions"`
	Topic      string            `json:"topic"`
	Group      string            `json:"group"`
	Balancer   string            `json:"balancer"`
	Members    int               `json:"members"`
	Expected   int               `json:"expected"`
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

var bootstrap string

func timeout(s *spec) (context.Context, context.CancelFunc) {
	ms := s.TimeoutMs
	if ms == 0 {
		ms = 20_000
	}
	return context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond)
}

func transport(s *spec) *kafka.Transport { return &kafka.Transport{ClientID: s.ClientID} }
func dialer(s *spec) *kafka.Dialer {
	return &kafka.Dialer{ClientID: s.ClientID, Timeout: 10 * time.Second, DualStack: true}
}
func client(s *spec) *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(bootstrap), Transport: transport(s), Timeout: 10 * time.Second}
}

func codec(name string) kafka.Compression {
	switch name {
	case "gzip":
		return kafka.Gzip
	case "snappy":
		return kafka.Snappy
	case "lz4":
		return kafka.Lz4
	case "zstd":
		return kafka.Zstd
	}
	return 0
}

// byPartition sends each message to the partition the spec names (Message.Partition).
type byPartition struct{}

func (byPartition) Balance(msg kafka.Message, partitions ...int) int { return msg.Partition }

func main() {
	if len(os.Args) != 4 {
		fail("usage: kafkago <bootstrap> <mode> <spec.json>")
	}
	bootstrap = os.Args[1]
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
	default:
		fail("unknown mode %s", os.Args[2])
	}
}

// produce: a Writer per job (acks=all, its codec, messages to the partitions the records name,
// keys, headers and CreateTime timestamps), one synchronous WriteMessages call per job.
func produce(s *spec) {
	errs := []string{}
	counts := map[string]int{}
	for _, j := range s.Jobs {
		raw, err := os.ReadFile(j.RecordsFile)
		if err != nil {
			fail("records: %v", err)
		}
		var rs []wireRecord
		if err := json.Unmarshal(raw, &rs); err != nil {
			fail("records: %v", err)
		}
		w := &kafka.Writer{Addr: kafka.TCP(bootstrap), Topic: j.Topic, Balancer: byPartition{}, Compression: codec(j.Codec), RequiredAcks: kafka.RequireAll,
			BatchSize: len(rs), BatchTimeout: 10 * time.Millisecond, BatchBytes: 64 << 20, Transport: transport(s), MaxAttempts: 3}
		msgs := make([]kafka.Message, len(rs))
		for i, r := range rs {
			m := kafka.Message{Partition: int(r.P), Key: dec(r.K), Value: dec(r.V), Time: time.UnixMilli(r.Ts)}
			for _, h := range r.H {
				m.Headers = append(m.Headers, kafka.Header{Key: h[0], Value: dec(&h[1])})
			}
			msgs[i] = m
		}
		ctx, cancel := timeout(s)
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			errs = append(errs, err.Error())
		} else {
			counts[j.Topic] = len(msgs)
		}
		cancel()
		w.Close()
	}
	emit(map[string]any{"written": counts, "errors": errs})
}

func toConsumed(m kafka.Message) consumed {
	h := [][2]string{}
	for _, x := range m.Headers {
		h = append(h, [2]string{x.Key, *enc(append([]byte{}, x.Value...))})
	}
	return consumed{T: m.Topic, P: m.Partition, O: m.Offset, K: enc(m.Key), V: enc(m.Value), H: h, Ts: m.Time.UnixMilli()}
}

// consume: a Reader per partition from the first offset to the last the Client lists.
func consume(s *spec) {
	ctx, cancel := timeout(s)
	defer cancel()
	cl := client(s)
	records := []consumed{}
	errs := []string{}
	for _, t := range s.Topics {
		md, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{t}})
		if err != nil || len(md.Topics) != 1 {
			fail("metadata: %v", err)
		}
		req := map[string][]kafka.OffsetRequest{}
		for _, p := range md.Topics[0].Partitions {
			req[t] = append(req[t], kafka.LastOffsetOf(p.ID))
		}
		lo, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: req})
		if err != nil {
			fail("list offsets: %v", err)
		}
		for _, po := range lo.Topics[t] {
			if po.LastOffset <= 0 {
				continue
			}
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{bootstrap}, Topic: t, Partition: po.Partition, Dialer: dialer(s), MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 200 * time.Millisecond})
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					errs = append(errs, err.Error())
					break
				}
				records = append(records, toConsumed(m))
				if m.Offset+1 >= po.LastOffset {
					break
				}
			}
			r.Close()
		}
	}
	emit(map[string]any{"records": records, "errors": errs, "timedOut": ctx.Err() != nil})
}

func balancer(name string) kafka.GroupBalancer {
	if name == "roundrobin" {
		return kafka.RoundRobinGroupBalancer{}
	}
	return kafka.RangeGroupBalancer{}
}

// group: s.Members Readers in one group with one balancer read s.Expected records of s.Topic
// together, committing each (CommitMessages); the group as DescribeGroups shows it while they run.
func group(s *spec) {
	ctx, cancel := timeout(s)
	defer cancel()
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	var mu sync.Mutex
	seen := map[string]int{}
	perMember := make([]int, s.Members)
	total := 0
	errs := []string{}
	readers := make([]*kafka.Reader, s.Members)
	var wg sync.WaitGroup
	for i := range readers {
		readers[i] = kafka.NewReader(kafka.ReaderConfig{Brokers: []string{bootstrap}, GroupID: s.Group, Topic: s.Topic, Dialer: dialer(s),
			GroupBalancers: []kafka.GroupBalancer{balancer(s.Balancer)}, StartOffset: kafka.FirstOffset, MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 200 * time.Millisecond,
			HeartbeatInterval: 300 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 5 * time.Second, JoinGroupBackoff: 200 * time.Millisecond})
		wg.Add(1)
		go func(i int, r *kafka.Reader) {
			defer wg.Done()
			for {
				m, err := r.FetchMessage(readCtx)
				if err != nil {
					if readCtx.Err() == nil {
						mu.Lock()
						errs = append(errs, err.Error())
						mu.Unlock()
					}
					return
				}
				if err := r.CommitMessages(ctx, m); err != nil {
					mu.Lock()
					errs = append(errs, "commit: "+err.Error())
					mu.Unlock()
				}
				mu.Lock()
				seen[fmt.Sprintf("%d:%d", m.Partition, m.Offset)]++
				perMember[i]++
				total++
				reached := total >= s.Expected
				mu.Unlock()
				if reached {
					stop()
				}
			}
		}(i, readers[i])
	}
	wg.Wait()
	timedOut := ctx.Err() != nil
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	desc := map[string]any{}
	dg, err := client(s).DescribeGroups(dctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{s.Group}})
	if err == nil && len(dg.Groups) == 1 {
		assignments := [][]int{}
		for _, m := range dg.Groups[0].Members {
			ps := []int{}
			for _, t := range m.MemberAssignments.Topics {
				ps = append(ps, t.Partitions...)
			}
			sort.Ints(ps)
			assignments = append(assignments, ps)
		}
		sort.Slice(assignments, func(a, b int) bool { return len(assignments[a]) > 0 && len(assignments[b]) > 0 && assignments[a][0] < assignments[b][0] })
		desc = map[string]any{"state": dg.Groups[0].GroupState, "members": len(dg.Groups[0].Members), "assignments": assignments, "error": errText(dg.Groups[0].Error)}
	} else {
		desc["error"] = errText(err)
	}
	for _, r := range readers {
		r.Close() // LeaveGroup
	}
	dups := 0
	for _, n := range seen {
		if n > 1 {
			dups += n - 1
		}
	}
	emit(map[string]any{"timedOut": timedOut, "distinct": len(seen), "duplicates": dups, "perMember": perMember, "describe": desc, "errors": errs})
}

// seek: a partition Reader at FirstOffset, at LastOffset (then nothing until a record arrives:
// not read here), SetOffset(7), SetOffsetAt(time); ListOffsets by time.
func seek(s *spec) {
	ctx, cancel := timeout(s)
	defer cancel()
	out := map[string]any{}
	read := func(prepare func(r *kafka.Reader) error) any {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{bootstrap}, Topic: s.Topic, Partition: 0, Dialer: dialer(s), MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 200 * time.Millisecond})
		defer r.Close()
		if err := prepare(r); err != nil {
			return err.Error()
		}
		m, err := r.ReadMessage(ctx)
		if err != nil {
			return err.Error()
		}
		return m.Offset
	}
	out["first"] = read(func(r *kafka.Reader) error { return nil })
	out["setOffset"] = read(func(r *kafka.Reader) error { return r.SetOffset(7) })
	out["setOffsetAt"] = read(func(r *kafka.Reader) error { return r.SetOffsetAt(ctx, time.UnixMilli(s.AtMilli)) })
	lo, err := client(s).ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{s.Topic: {kafka.FirstOffsetOf(0), kafka.LastOffsetOf(0), kafka.TimeOffsetOf(0, time.UnixMilli(s.AtMilli))}}})
	if err == nil && len(lo.Topics[s.Topic]) == 1 {
		po := lo.Topics[s.Topic][0]
		offs := []int64{}
		for o := range po.Offsets {
			offs = append(offs, o)
		}
		out["listByTime"] = offs
		out["listFirstLast"] = []int64{po.FirstOffset, po.LastOffset}
		out["listError"] = errText(po.Error)
	} else {
		out["listError"] = errText(err)
	}
	emit(out)
}

// admin: the Client's topic, config, partition and group calls; every result as observed.
func admin(s *spec) {
	ctx, cancel := timeout(s)
	defer cancel()
	cl := client(s)
	out := map[string]any{}
	md, err := cl.Metadata(ctx, &kafka.MetadataRequest{})
	if err == nil {
		brokers := []int{}
		for _, b := range md.Brokers {
			brokers = append(brokers, b.ID)
		}
		out["metadata"] = map[string]any{"brokers": brokers, "controller": md.Controller.ID, "cluster": md.ClusterID}
	} else {
		out["metadata"] = map[string]any{"error": err.Error()}
	}
	av, err := cl.ApiVersions(ctx, &kafka.ApiVersionsRequest{})
	if err == nil {
		out["apiVersions"] = map[string]any{"keys": len(av.ApiKeys), "error": errText(av.Error)}
	}
	entries := []kafka.ConfigEntry{}
	for k, v := range s.Configs {
		entries = append(entries, kafka.ConfigEntry{ConfigName: k, ConfigValue: v})
	}
	create := func(validate bool) *string {
		cctx := ctx
		if validate {
			// kafka-go's Transport waits, after every CreateTopics, for the created topics to show
			// in metadata, validate-only ones too (they never do): bound that wait to a second.
			c, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			cctx = c
		}
		r, err := cl.CreateTopics(cctx, &kafka.CreateTopicsRequest{ValidateOnly: validate, Topics: []kafka.TopicConfig{{Topic: s.Topic, NumPartitions: s.Partitions, ReplicationFactor: 1, ConfigEntries: entries}}})
		if err != nil {
			return errText(err)
		}
		return errText(r.Errors[s.Topic])
	}
	out["validateOnly"] = create(true)
	if md, err := client(s).Metadata(ctx, &kafka.MetadataRequest{Topics: []string{s.Topic}}); err == nil && len(md.Topics) == 1 {
		out["afterValidateOnly"] = errText(md.Topics[0].Error)
	}
	out["create"] = create(false)
	out["createAgain"] = create(false)
	describe := func() map[string]any {
		r, err := cl.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: s.Topic}}})
		if err != nil {
			return map[string]any{"error": err.Error()}
		}
		m := map[string]any{}
		for _, e := range r.Resources[0].ConfigEntries {
			m[e.ConfigName] = map[string]any{"value": e.ConfigValue, "default": e.IsDefault, "source": e.ConfigSource}
		}
		return map[string]any{"entries": m, "error": errText(r.Resources[0].Error)}
	}
	out["describeConfigs"] = describe()
	ia, err := cl.IncrementalAlterConfigs(ctx, &kafka.IncrementalAlterConfigsRequest{Resources: []kafka.IncrementalAlterConfigsRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: s.Topic, Configs: []kafka.IncrementalAlterConfigsRequestConfig{
		{Name: "retention.ms", Value: "7200000", ConfigOperation: kafka.ConfigOperationSet},
		{Name: "max.message.bytes", ConfigOperation: kafka.ConfigOperationDelete},
	}}}})
	if err == nil {
		err = ia.Resources[0].Error
	}
	out["incrementalAlter"] = errText(err)
	out["afterAlter"] = describe()
	cp := func(n int32) *string {
		r, err := cl.CreatePartitions(ctx, &kafka.CreatePartitionsRequest{Topics: []kafka.TopicPartitionsConfig{{Name: s.Topic, Count: n}}})
		if err != nil {
			return errText(err)
		}
		return errText(r.Errors[s.Topic])
	}
	out["createPartitions"] = cp(int32(s.Partitions + 2))
	out["createPartitionsFewer"] = cp(1)
	// A new Client (its Transport caches metadata) sees the new partition count.
	md, err = client(s).Metadata(ctx, &kafka.MetadataRequest{Topics: []string{s.Topic}})
	if err == nil && len(md.Topics) == 1 {
		out["partitionsAfter"] = len(md.Topics[0].Partitions)
	}
	// Group offsets: commit for a group nobody is in (generation -1), fetch, list, describe,
	// delete one partition's offset, delete the group.
	oc, err := cl.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: s.Group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{s.Topic: {{Partition: 0, Offset: 6}, {Partition: 1, Offset: 2}}}})
	if err == nil {
		for _, p := range oc.Topics[s.Topic] {
			if p.Error != nil {
				err = p.Error
			}
		}
	}
	out["offsetCommit"] = errText(err)
	fetch := func() map[int]int64 {
		of, err := cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: s.Group, Topics: map[string][]int{s.Topic: {0, 1}}})
		m := map[int]int64{}
		if err == nil {
			for _, p := range of.Topics[s.Topic] {
				m[p.Partition] = p.CommittedOffset
			}
		}
		return m
	}
	out["offsetFetch"] = fetch()
	lg, err := cl.ListGroups(ctx, &kafka.ListGroupsRequest{})
	groups := []string{}
	if err == nil {
		for _, g := range lg.Groups {
			groups = append(groups, g.GroupID)
		}
	}
	out["listGroups"] = map[string]any{"groups": groups, "error": errText(err)}
	dg, err := cl.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{s.Group}})
	if err == nil && len(dg.Groups) == 1 {
		out["describeGroup"] = map[string]any{"state": dg.Groups[0].GroupState, "members": len(dg.Groups[0].Members), "error": errText(dg.Groups[0].Error)}
	}
	od, err := cl.OffsetDelete(ctx, &kafka.OffsetDeleteRequest{GroupID: s.Group, Topics: map[string][]int{s.Topic: {0}}})
	if err == nil {
		err = od.Error
		for _, p := range od.Topics[s.Topic] {
			if p.Error != nil {
				err = p.Error
			}
		}
	}
	out["offsetDelete"] = errText(err)
	out["offsetFetchAfterDelete"] = fetch()
	deleteGroup := func() *string {
		r, err := cl.DeleteGroups(ctx, &kafka.DeleteGroupsRequest{GroupIDs: []string{s.Group}})
		if err != nil {
			return errText(err)
		}
		return errText(r.Errors[s.Group])
	}
	out["deleteGroup"] = deleteGroup()
	out["deleteGroupAgain"] = deleteGroup()
	deleteTopic := func() *string {
		r, err := cl.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{s.Topic}})
		if err != nil {
			return errText(err)
		}
		return errText(r.Errors[s.Topic])
	}
	out["delete"] = deleteTopic()
	out["deleteAgain"] = deleteTopic()
	emit(out)
}
