// franz-go (kgo + kadm) at its newest release, driven by test/clients/go-newest.test.ts.
// Usage: franz <bootstrap> <mode> <spec.json>; prints one JSON line with what it observed.
// Modes: produce, consume, group, seek, admin, txn, groupTxn.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
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
	TT int8        `json:"tt"`
}

type job struct {
	Topic       string `json:"topic"`
	Codec       string `json:"codec"`
	RecordsFile string `json:"recordsFile"`
	Idempotent  bool   `json:"idempotent"`
}

type spec struct {
	ClientID   string            `json:"clientId"`
	Jobs       []job             `json:"jobs"`
	Topics     []string          `json:"topics"`
	Topic      string            `json:"topic"`
	Output     string            `json:"output"`
	Group      string            `json:"group"`
	Balancer   string            `json:"balancer"`
	Members    int               `json:"members"`
	Expected   int               `json:"expected"`
	InstanceID string            `json:"instanceId"`
	TxnID      string            `json:"txnId"`
	Partitions int32             `json:"partitions"`
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

func toConsumed(r *kgo.Record) consumed {
	h := [][2]string{}
	for _, x := range r.Headers {
		h = append(h, [2]string{x.Key, *enc(append([]byte{}, x.Value...))})
	}
	return consumed{T: r.Topic, P: r.Partition, O: r.Offset, K: enc(r.Key), V: enc(r.Value), H: h, Ts: r.Timestamp.UnixMilli(), TT: r.Attrs.TimestampType()}
}

var (
	bootstrap string
	cancels   []context.CancelFunc
)

func client(s *spec, opts ...kgo.Opt) *kgo.Client {
	base := []kgo.Opt{kgo.SeedBrokers(bootstrap), kgo.ClientID(s.ClientID), kgo.RetryTimeout(20 * time.Second)}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		fail("client: %v", err)
	}
	return cl
}

func codec(name string) kgo.CompressionCodec {
	switch name {
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

func timeout(s *spec) context.Context {
	ms := s.TimeoutMs
	if ms == 0 {
		ms = 20_000
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond)
	cancels = append(cancels, cancel) // the process exits at the end of its mode
	return ctx
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: franz <bootstrap> <mode> <spec.json>")
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
	case "txn":
		txn(&s)
	case "groupTxn":
		groupTxn(&s)
	default:
		fail("unknown mode %s", os.Args[2])
	}
}

// produce: each job's records to its topic with its codec, manual partitioning, keys, headers and
// CreateTime timestamps; idempotent unless the job says otherwise. Prints [partition, offset] per record.
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
		opts := []kgo.Opt{kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchCompression(codec(j.Codec)), kgo.DefaultProduceTopic(j.Topic)}
		if !j.Idempotent {
			opts = append(opts, kgo.DisableIdempotentWrite(), kgo.RequiredAcks(kgo.LeaderAck()))
		}
		cl := client(s, opts...)
		recs := make([]*kgo.Record, len(rs))
		for i, r := range rs {
			rec := &kgo.Record{Topic: j.Topic, Partition: r.P, Key: dec(r.K), Value: dec(r.V), Timestamp: time.UnixMilli(r.Ts)}
			for _, h := range r.H {
				rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: h[0], Value: dec(&h[1])})
			}
			recs[i] = rec
		}
		index := map[*kgo.Record]int{}
		for i, r := range recs {
			index[r] = i
		}
		// ProduceSync's results come in completion order; each carries its record.
		res := cl.ProduceSync(timeout(s), recs...)
		out := make([][2]int64, len(rs))
		for _, r := range res {
			i := index[r.Record]
			if r.Err != nil {
				errs = append(errs, r.Err.Error())
			}
			out[i] = [2]int64{int64(r.Record.Partition), r.Record.Offset}
		}
		delivered[j.Topic] = out
		cl.Close()
	}
	emit(map[string]any{"delivered": delivered, "errors": errs})
}

// consume: every partition of the topics from the start until the end offsets kadm lists.
func consume(s *spec) {
	cl := client(s)
	adm := kadm.NewClient(cl)
	ctx := timeout(s)
	ends, err := adm.ListEndOffsets(ctx, s.Topics...)
	if err != nil {
		fail("list end offsets: %v", err)
	}
	want := map[string]map[int32]int64{}
	parts := map[string]map[int32]kgo.Offset{}
	remaining := 0
	ends.Each(func(o kadm.ListedOffset) {
		if want[o.Topic] == nil {
			want[o.Topic] = map[int32]int64{}
			parts[o.Topic] = map[int32]kgo.Offset{}
		}
		want[o.Topic][o.Partition] = o.Offset
		parts[o.Topic][o.Partition] = kgo.NewOffset().AtStart()
		if o.Offset > 0 {
			remaining++
		}
	})
	cl.Close()
	level := kgo.ReadUncommitted()
	if s.Output == "committed" {
		level = kgo.ReadCommitted()
	}
	cl = client(s, kgo.ConsumePartitions(parts), kgo.FetchIsolationLevel(level))
	defer cl.Close()
	records := []consumed{}
	errs := []string{}
	for remaining > 0 && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				errs = append(errs, fmt.Sprintf("%s/%d: %v", t, p, err))
			}
		})
		fs.EachRecord(func(r *kgo.Record) {
			records = append(records, toConsumed(r))
			if r.Offset+1 == want[r.Topic][r.Partition] {
				remaining--
			}
		})
	}
	emit(map[string]any{"records": records, "errors": errs, "timedOut": ctx.Err() != nil})
}

func balancer(name string) kgo.GroupBalancer {
	switch name {
	case "range":
		return kgo.RangeBalancer()
	case "roundrobin":
		return kgo.RoundRobinBalancer()
	case "sticky":
		return kgo.StickyBalancer()
	}
	return kgo.CooperativeStickyBalancer()
}

// group: s.Members consumers in one group with one balancer read s.Expected records of s.Topic
// together and commit; prints each member's assignment, counts and the protocol each joined with.
func group(s *spec) {
	ctx := timeout(s)
	var mu sync.Mutex
	seen := map[string]int{}
	perMember := make([]int, s.Members)
	assignments := make([][]int32, s.Members)
	total := 0
	done := make(chan struct{})
	var once sync.Once
	pollCtx, stopPolls := context.WithCancel(ctx)
	defer stopPolls()
	clients := make([]*kgo.Client, s.Members)
	for i := 0; i < s.Members; i++ {
		i := i
		opts := []kgo.Opt{kgo.ConsumerGroup(s.Group), kgo.ConsumeTopics(s.Topic), kgo.Balancers(balancer(s.Balancer)), kgo.DisableAutoCommit(),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
				mu.Lock()
				assignments[i] = append(assignments[i], m[s.Topic]...)
				mu.Unlock()
			}),
			kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
				mu.Lock()
				keep := []int32{}
				for _, p := range assignments[i] {
					gone := false
					for _, q := range m[s.Topic] {
						gone = gone || p == q
					}
					if !gone {
						keep = append(keep, p)
					}
				}
				assignments[i] = keep
				mu.Unlock()
			}),
		}
		if s.InstanceID != "" {
			opts = append(opts, kgo.InstanceID(fmt.Sprintf("%s-%d", s.InstanceID, i)))
		}
		clients[i] = client(s, opts...)
	}
	// Every member joins before anyone consumes, so the first generation already spreads the partitions.
	var wg sync.WaitGroup
	for i, cl := range clients {
		wg.Add(1)
		go func(i int, cl *kgo.Client) {
			defer wg.Done()
			for ctx.Err() == nil {
				fs := cl.PollFetches(pollCtx)
				n := 0
				fs.EachRecord(func(r *kgo.Record) {
					mu.Lock()
					seen[fmt.Sprintf("%d:%d", r.Partition, r.Offset)]++
					perMember[i]++
					total++
					n = total
					mu.Unlock()
				})
				if err := cl.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
					fmt.Fprintf(os.Stderr, "commit: %v\n", err)
				}
				if n >= s.Expected {
					once.Do(func() { close(done); stopPolls() })
				}
				select {
				case <-done:
					return
				default:
				}
			}
		}(i, cl)
	}
	wg.Wait()
	dups := 0
	for _, n := range seen {
		if n > 1 {
			dups += n - 1
		}
	}
	adm := kadm.NewClient(clients[0])
	described, derr := adm.DescribeGroups(context.Background(), s.Group)
	desc := map[string]any{"error": errText(derr)}
	if g, ok := described[s.Group]; ok {
		ids := []string{}
		for _, m := range g.Members {
			id := m.MemberID
			if m.InstanceID != nil {
				id = *m.InstanceID
			}
			ids = append(ids, id)
		}
		sort.Strings(ids)
		desc = map[string]any{"state": g.State, "protocolType": g.ProtocolType, "protocol": g.Protocol, "members": ids, "error": errText(g.Err)}
	}
	fetched, ferr := adm.FetchOffsets(context.Background(), s.Group)
	commits := map[int32]int64{}
	fetched.Each(func(o kadm.OffsetResponse) { commits[o.Partition] = o.At })
	mu.Lock()
	final := make([][]int32, len(assignments))
	for i, a := range assignments {
		final[i] = append([]int32{}, a...)
		sort.Slice(final[i], func(x, y int) bool { return final[i][x] < final[i][y] })
	}
	mu.Unlock()
	for _, cl := range clients {
		cl.Close() // leaves the group (LeaveGroup) unless static
	}
	emit(map[string]any{"timedOut": ctx.Err() != nil, "distinct": len(seen), "duplicates": dups, "perMember": perMember, "assignments": final, "describe": desc, "commits": commits, "fetchError": errText(ferr)})
}

// seek: offsets reset by time (ListOffsets with a timestamp), to the end, to an exact offset via
// SetOffsets; prints the first offset read from partition 0 in each case.
func seek(s *spec) {
	ctx := timeout(s)
	first := func(off kgo.Offset) int64 {
		cl := client(s, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.Topic: {0: off}}))
		defer cl.Close()
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			if rs := fs.Records(); len(rs) > 0 {
				return rs[0].Offset
			}
		}
		return -1
	}
	out := map[string]any{}
	out["atStart"] = first(kgo.NewOffset().AtStart())
	out["at"] = first(kgo.NewOffset().At(7))
	out["afterMilli"] = first(kgo.NewOffset().AfterMilli(s.AtMilli))
	out["relative"] = first(kgo.NewOffset().AtEnd().Relative(-2))
	// A client consuming nothing yet is told to consume partition 0 from offset 3.
	cl := client(s)
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{s.Topic: {0: kgo.NewOffset().At(3)}})
	for ctx.Err() == nil {
		if rs := cl.PollFetches(ctx).Records(); len(rs) > 0 {
			out["addConsumePartitions"] = rs[0].Offset
			break
		}
	}
	cl.Close()
	adm := kadm.NewClient(client(s))
	byTime, err := adm.ListOffsetsAfterMilli(ctx, s.AtMilli, s.Topic)
	if o, ok := byTime.Lookup(s.Topic, 0); ok {
		out["listAfterMilli"] = o.Offset
	}
	out["listError"] = errText(err)
	out["timedOut"] = ctx.Err() != nil
	emit(out)
}

// admin: kadm's topic, config, partition, record and group calls; every result as observed.
func admin(s *spec) {
	ctx := timeout(s)
	cl := client(s)
	defer cl.Close()
	adm := kadm.NewClient(cl)
	out := map[string]any{}
	meta, err := adm.Metadata(ctx)
	brokers := []int32{}
	for _, b := range meta.Brokers {
		brokers = append(brokers, b.NodeID)
	}
	out["metadata"] = map[string]any{"brokers": brokers, "controller": meta.Controller, "cluster": meta.Cluster, "error": errText(err)}
	vs, err := adm.ApiVersions(ctx)
	n := 0
	vs.Each(func(v kadm.BrokerApiVersions) { v.EachKeySorted(func(int16, int16, int16) { n++ }) })
	out["apiVersions"] = map[string]any{"keys": n, "error": errText(err)}
	configs := map[string]*string{}
	for k, v := range s.Configs {
		v := v
		configs[k] = &v
	}
	validate, err := adm.ValidateCreateTopics(ctx, s.Partitions, 1, configs, s.Topic)
	out["validateOnly"] = firstTopicErr(validate, err, s.Topic)
	created, err := adm.CreateTopics(ctx, s.Partitions, 1, configs, s.Topic)
	out["create"] = firstTopicErr(created, err, s.Topic)
	again, err := adm.CreateTopics(ctx, s.Partitions, 1, nil, s.Topic)
	out["createAgain"] = firstTopicErr(again, err, s.Topic)
	rc, err := adm.DescribeTopicConfigs(ctx, s.Topic)
	entries := map[string]any{}
	if c, e := rc.On(s.Topic, nil); e == nil {
		for _, kv := range c.Configs {
			entries[kv.Key] = map[string]any{"value": kv.MaybeValue(), "source": kv.Source.String()}
		}
	}
	out["describeConfigs"] = map[string]any{"entries": entries, "error": errText(err)}
	alt, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: ptr("7200000")}, {Op: kadm.DeleteConfig, Name: "max.message.bytes"}}, s.Topic)
	out["alterConfigs"] = alterErr(alt, err)
	rc, _ = adm.DescribeTopicConfigs(ctx, s.Topic)
	after := map[string]any{}
	if c, e := rc.On(s.Topic, nil); e == nil {
		for _, kv := range c.Configs {
			if kv.Key == "retention.ms" || kv.Key == "max.message.bytes" || kv.Key == "cleanup.policy" {
				after[kv.Key] = map[string]any{"value": kv.MaybeValue(), "source": kv.Source.String()}
			}
		}
	}
	out["afterAlter"] = after
	cp, err := adm.CreatePartitions(ctx, 2, s.Topic)
	out["createPartitions"] = partErr(cp, err, s.Topic)
	up, err := adm.UpdatePartitions(ctx, 1, s.Topic)
	out["updatePartitionsFewer"] = partErr(up, err, s.Topic)
	td, err := adm.ListTopics(ctx, s.Topic)
	out["partitionsAfter"] = len(td[s.Topic].Partitions)
	// Records to delete: ten per partition 0, then DeleteRecords up to offset 4.
	pcl := client(s, kgo.DefaultProduceTopic(s.Topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	recs := []*kgo.Record{}
	for i := 0; i < 10; i++ {
		recs = append(recs, &kgo.Record{Partition: 0, Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("r%d", i))})
	}
	out["produceError"] = errText(pcl.ProduceSync(ctx, recs...).FirstErr())
	pcl.Close()
	del := kadm.Offsets{}
	del.Add(kadm.Offset{Topic: s.Topic, Partition: 0, At: 4})
	dr, err := adm.DeleteRecords(ctx, del)
	drOut := map[string]any{"error": errText(err)}
	if r, ok := dr.Lookup(s.Topic, 0); ok {
		drOut = map[string]any{"lowWatermark": r.LowWatermark, "error": errText(r.Err)}
	}
	out["deleteRecords"] = drOut
	starts, err := adm.ListStartOffsets(ctx, s.Topic)
	if o, ok := starts.Lookup(s.Topic, 0); ok {
		out["startOffset"] = o.Offset
	}
	// Groups: commit offsets for a group nobody is in, list it, describe it, delete it.
	co := kadm.Offsets{}
	co.Add(kadm.Offset{Topic: s.Topic, Partition: 0, At: 6, LeaderEpoch: -1})
	cr, err := adm.CommitOffsets(ctx, s.Group, co)
	out["commitOffsets"] = map[string]any{"error": errText(err), "first": errText(cr.Error())}
	fo, err := adm.FetchOffsets(ctx, s.Group)
	if o, ok := fo.Lookup(s.Topic, 0); ok {
		out["fetchOffsets"] = o.At
	}
	lg, err := adm.ListGroups(ctx)
	groups := []string{}
	for _, g := range lg.Sorted() {
		groups = append(groups, g.Group+":"+g.State)
	}
	out["listGroups"] = map[string]any{"groups": groups, "error": errText(err)}
	dg, err := adm.DescribeGroups(ctx, s.Group)
	out["describeGroup"] = map[string]any{"state": dg[s.Group].State, "members": len(dg[s.Group].Members), "error": errText(err)}
	lag, err := adm.Lag(ctx, s.Group)
	if l, ok := lag[s.Group]; ok {
		if ml, ok := l.Lag.Lookup(s.Topic, 0); ok {
			out["lag"] = ml.Lag
		}
	}
	dgs, err := adm.DeleteGroups(ctx, s.Group)
	out["deleteGroup"] = map[string]any{"error": errText(err), "result": errText(dgs[s.Group].Err)}
	dt, err := adm.DeleteTopics(ctx, s.Topic)
	out["delete"] = deleteErr(dt, err, s.Topic)
	dt, err = adm.DeleteTopics(ctx, s.Topic)
	out["deleteAgain"] = deleteErr(dt, err, s.Topic)
	emit(out)
}

func ptr(s string) *string { return &s }

func firstTopicErr(r kadm.CreateTopicResponses, err error, topic string) *string {
	if err != nil {
		return errText(err)
	}
	return errText(r[topic].Err)
}

func deleteErr(r kadm.DeleteTopicResponses, err error, topic string) *string {
	if err != nil {
		return errText(err)
	}
	return errText(r[topic].Err)
}

func partErr(r kadm.CreatePartitionsResponses, err error, topic string) *string {
	if err != nil {
		return errText(err)
	}
	return errText(r[topic].Err)
}

func alterErr(r kadm.AlterConfigsResponses, err error) *string {
	if err != nil {
		return errText(err)
	}
	for _, x := range r {
		if x.Err != nil {
			return errText(x.Err)
		}
	}
	return nil
}

// txn: a transactional producer commits one transaction and aborts another on s.Topic.
func txn(s *spec) {
	ctx := timeout(s)
	cl := client(s, kgo.TransactionalID(s.TxnID), kgo.DefaultProduceTopic(s.Topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	defer cl.Close()
	out := map[string]any{}
	run := func(label string, commit kgo.TransactionEndTry, n int) {
		if err := cl.BeginTransaction(); err != nil {
			out[label] = errText(err)
			return
		}
		recs := []*kgo.Record{}
		for i := 0; i < n; i++ {
			recs = append(recs, &kgo.Record{Partition: int32(i % 2), Value: []byte(fmt.Sprintf("%s-%d", label, i))})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			out[label] = errText(err)
			return
		}
		out[label] = errText(cl.EndTransaction(ctx, commit))
	}
	run("committed", kgo.TryCommit, 6)
	run("aborted", kgo.TryAbort, 4)
	run("committed2", kgo.TryCommit, 2)
	emit(out)
}

// groupTxn: a GroupTransactSession reads s.Topic in s.Group, writes every record to s.Output and
// commits the output and the group's offsets in one transaction.
func groupTxn(s *spec) {
	ctx := timeout(s)
	sess, err := kgo.NewGroupTransactSession(
		kgo.SeedBrokers(bootstrap), kgo.ClientID(s.ClientID), kgo.TransactionalID(s.TxnID),
		kgo.ConsumerGroup(s.Group), kgo.ConsumeTopics(s.Topic), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DefaultProduceTopic(s.Output),
		kgo.Balancers(kgo.CooperativeStickyBalancer()), kgo.RequireStableFetchOffsets(),
	)
	if err != nil {
		fail("session: %v", err)
	}
	defer sess.Close()
	copied := 0
	commits := 0
	errs := []string{}
	for copied < s.Expected && ctx.Err() == nil {
		fs := sess.PollFetches(ctx)
		if fs.Empty() {
			continue
		}
		if err := sess.Begin(); err != nil {
			fail("begin: %v", err)
		}
		recs := []*kgo.Record{}
		fs.EachRecord(func(r *kgo.Record) {
			recs = append(recs, &kgo.Record{Key: r.Key, Value: append([]byte("copy:"), r.Value...)})
		})
		if err := sess.Client().ProduceSync(ctx, recs...).FirstErr(); err != nil {
			errs = append(errs, err.Error())
		}
		ok, err := sess.End(ctx, kgo.TryCommit)
		if err != nil {
			errs = append(errs, err.Error())
		}
		if ok {
			copied += len(recs)
			commits++
		}
	}
	emit(map[string]any{"copied": copied, "transactions": commits, "errors": errs, "timedOut": ctx.Err() != nil})
}
