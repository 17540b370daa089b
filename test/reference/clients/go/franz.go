// franz-go (kgo) and its admin package kadm: produce and consume, consumer groups over the classic
// protocol and over KIP-848 (kgo.ServerSideBalancer), transactions with GroupTransactSession, admin.
package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// franzClient connects to bootstrap: one host:port, or several comma-separated (a test cluster).
func franzClient(bootstrap string, opts ...kgo.Opt) (*kgo.Client, error) {
	return kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(bootstrap, ",")...), kgo.ClientID("tributary-reference")}, opts...)...)
}

// errName is the Kafka error name of err (as both brokers send the same code), or its text.
func errName(err error) string {
	if err == nil {
		return ""
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Message
	}
	return err.Error()
}

func createTopic(ctx context.Context, adm *kadm.Client, topic string, partitions int32, configs map[string]*string) error {
	resp, err := adm.CreateTopic(ctx, partitions, 1, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	return nil
}

// produceSync writes records <tag>-from..to-1 and returns the first error.
func produceSync(ctx context.Context, cl *kgo.Client, topic, tag string, from, to int) error {
	records := make([]*kgo.Record, 0, to-from)
	for i := from; i < to; i++ {
		records = append(records, &kgo.Record{Topic: topic, Key: recordKey(i), Value: recordValue(tag, i),
			Headers: []kgo.RecordHeader{{Key: "i", Value: []byte(fmt.Sprint(i))}}})
	}
	return cl.ProduceSync(ctx, records...).FirstErr()
}

// pollUntil polls cl until `enough` says so (or ctx ends), feeding every record to `seen`.
func pollUntil(ctx context.Context, cl *kgo.Client, seen func(*kgo.Record), enough func() bool) error {
	for !enough() {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("polling: %w", err)
		}
		var fatal error
		fetches.EachError(func(t string, p int32, err error) {
			logf("fetch error %s[%d]: %v", t, p, err)
			if !kerr.IsRetriable(err) {
				fatal = fmt.Errorf("fetch %s[%d]: %w", t, p, err)
			}
		})
		if fatal != nil {
			return fatal
		}
		fetches.EachRecord(seen)
	}
	return nil
}

// requestKeys records which request kinds a client sent, so a scenario can tell which group protocol
// the library really used.
type requestKeys struct {
	mu   sync.Mutex
	keys map[int16]bool
}

func (r *requestKeys) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if err == nil {
		r.mu.Lock()
		r.keys[key] = true
		r.mu.Unlock()
	}
}

func (r *requestKeys) sent(key kmsg.Key) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.keys[int16(key)]
}

func franzProduceConsume(ctx context.Context, bootstrap, prefix string) (any, error) {
	const n = 30
	topic := prefix + "-pc"
	cl, err := franzClient(bootstrap)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if err := createTopic(ctx, adm, topic, 3, nil); err != nil {
		return nil, err
	}
	if err := produceSync(ctx, cl, topic, "v", 0, n); err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	endOffsets := []int64{}
	ends.Each(func(o kadm.ListedOffset) { endOffsets = append(endOffsets, o.Offset) })
	sort.Slice(endOffsets, func(i, j int) bool { return endOffsets[i] < endOffsets[j] })

	reader, err := franzClient(bootstrap, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer reader.Close()
	got := newConsumed()
	headersIntact := true
	partitionOfKey := map[string]int32{}
	keysStay := true
	err = pollUntil(ctx, reader, func(r *kgo.Record) {
		got.add(r.Partition, r.Offset, r.Value)
		if len(r.Headers) != 1 || r.Headers[0].Key != "i" || string(recordValue("v", atoi(string(r.Headers[0].Value)))) != string(r.Value) {
			headersIntact = false
		}
		if p, ok := partitionOfKey[string(r.Key)]; ok && p != r.Partition {
			keysStay = false
		}
		partitionOfKey[string(r.Key)] = r.Partition
	}, func() bool { return got.count() >= n })
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"consumedExactly":     got.exactly("v", n),
		"inOffsetOrder":       got.ordered,
		"headersIntact":       headersIntact,
		"keysStayInPartition": keysStay,
		"sortedEndOffsets":    endOffsets,
	}, nil
}

func atoi(s string) int {
	var i int
	fmt.Sscan(s, &i)
	return i
}

// franzGroup: a group member consumes and commits, leaves; a second member of the same group resumes
// from the committed offsets and sees only what was written since. kip848 selects the consumer
// protocol (ConsumerGroupHeartbeat) instead of JoinGroup/SyncGroup.
func franzGroup(ctx context.Context, bootstrap, prefix string, kip848 bool) (any, error) {
	topic, group := prefix+"-grp", prefix+"-group"
	cl, err := franzClient(bootstrap)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if err := createTopic(ctx, adm, topic, 2, nil); err != nil {
		return nil, err
	}
	if err := produceSync(ctx, cl, topic, "first", 0, 20); err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	keys := &requestKeys{keys: map[int16]bool{}}
	member := func() (*kgo.Client, error) {
		opts := []kgo.Opt{kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.DisableAutoCommit(),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.WithHooks(keys)}
		if kip848 {
			opts = append(opts, kgo.ServerSideBalancer(), kgo.Balancers(kgo.CooperativeStickyBalancer()))
		}
		return franzClient(bootstrap, opts...)
	}
	consume := func(tag string, n int) (*consumed, error) {
		m, err := member()
		if err != nil {
			return nil, err
		}
		defer m.Close() // leaves the group
		got := newConsumed()
		if err := pollUntil(ctx, m, func(r *kgo.Record) { got.add(r.Partition, r.Offset, r.Value) },
			func() bool { return got.count() >= n }); err != nil {
			return nil, err
		}
		if err := m.CommitUncommittedOffsets(ctx); err != nil {
			return nil, fmt.Errorf("commit: %w", err)
		}
		return got, nil
	}
	first, err := consume("first", 20)
	if err != nil {
		return nil, fmt.Errorf("first member: %w", err)
	}
	if err := produceSync(ctx, cl, topic, "second", 0, 10); err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	resumed, err := consume("second", 10)
	if err != nil {
		return nil, fmt.Errorf("second member: %w", err)
	}
	offsets, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("fetch offsets: %w", err)
	}
	var committed int64
	offsets.Each(func(o kadm.OffsetResponse) { committed += o.At })
	listed, err := adm.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return map[string]any{
		"firstMemberExactly":         first.exactly("first", 20),
		"resumedExactly":             resumed.exactly("second", 10),
		"inOffsetOrder":              first.ordered && resumed.ordered,
		"committedOffsetSum":         committed,
		"sentJoinGroup":              keys.sent(kmsg.JoinGroup),
		"sentConsumerGroupHeartbeat": keys.sent(kmsg.ConsumerGroupHeartbeat),
		"listedGroupType":            listed[group].GroupType,
		"listedGroupState":           listed[group].State,
	}, nil
}

// franzTransactions: consume-transform-produce with GroupTransactSession (the input offsets commit
// in the same transaction as the output records), then an aborted and a committed transaction from
// a plain transactional producer, then a non-transactional end marker. read_committed must see the
// transformed and committed records only; read_uncommitted sees the aborted ones too.
func franzTransactions(ctx context.Context, bootstrap, prefix string) (any, error) {
	const n = 10
	in, out, group := prefix+"-in", prefix+"-out", prefix+"-eos"
	cl, err := franzClient(bootstrap)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for _, t := range []string{in, out} {
		if err := createTopic(ctx, adm, t, 1, nil); err != nil {
			return nil, err
		}
	}
	if err := produceSync(ctx, cl, in, "in", 0, n); err != nil {
		return nil, fmt.Errorf("produce input: %w", err)
	}

	// Which transaction requests the clients send tells the transaction version both brokers offer:
	// with transaction.version 2 (KIP-890), partitions and offsets join a transaction implicitly, so
	// no AddPartitionsToTxn nor AddOffsetsToTxn is sent.
	keys := &requestKeys{keys: map[int16]bool{}}
	sess, err := kgo.NewGroupTransactSession(kgo.SeedBrokers(strings.Split(bootstrap, ",")...), kgo.TransactionalID(prefix+"-ctp"), kgo.WithHooks(keys),
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(in), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.RequireStableFetchOffsets(), kgo.DefaultProduceTopic(out))
	if err != nil {
		return nil, err
	}
	transformed, transactions := 0, 0
	for transformed < n {
		fetches := sess.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			sess.Close()
			return nil, fmt.Errorf("session poll: %w", err)
		}
		if fetches.NumRecords() == 0 {
			continue
		}
		if err := sess.Begin(); err != nil {
			sess.Close()
			return nil, fmt.Errorf("begin: %w", err)
		}
		var produceErr error
		fetches.EachRecord(func(r *kgo.Record) {
			v := append([]byte("out-"), r.Value[len("in-"):]...)
			if err := sess.ProduceSync(ctx, &kgo.Record{Value: v}).FirstErr(); err != nil && produceErr == nil {
				produceErr = err
			}
			transformed++
		})
		if produceErr != nil {
			sess.Close()
			return nil, fmt.Errorf("transactional produce: %w", produceErr)
		}
		committed, err := sess.End(ctx, kgo.TryCommit)
		if err != nil || !committed {
			sess.Close()
			return nil, fmt.Errorf("end transaction: committed=%v err=%w", committed, err)
		}
		transactions++
	}
	sess.Close()

	txn, err := franzClient(bootstrap, kgo.TransactionalID(prefix+"-plain"), kgo.DefaultProduceTopic(out), kgo.WithHooks(keys))
	if err != nil {
		return nil, err
	}
	defer txn.Close()
	for _, step := range []struct {
		tag    string
		count  int
		commit kgo.TransactionEndTry
	}{{"aborted", 3, kgo.TryAbort}, {"committed", 2, kgo.TryCommit}} {
		if err := txn.BeginTransaction(); err != nil {
			return nil, fmt.Errorf("begin %s: %w", step.tag, err)
		}
		if err := produceSync(ctx, txn, out, step.tag, 0, step.count); err != nil {
			return nil, fmt.Errorf("produce %s: %w", step.tag, err)
		}
		if err := txn.EndTransaction(ctx, step.commit); err != nil {
			return nil, fmt.Errorf("end %s: %w", step.tag, err)
		}
	}
	if err := produceSync(ctx, cl, out, "end", 0, 1); err != nil {
		return nil, fmt.Errorf("produce end marker: %w", err)
	}

	readAll := func(level kgo.IsolationLevel) ([]string, error) {
		r, err := franzClient(bootstrap, kgo.ConsumeTopics(out), kgo.FetchIsolationLevel(level),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if err != nil {
			return nil, err
		}
		defer r.Close()
		values := []string{}
		done := false
		err = pollUntil(ctx, r, func(rec *kgo.Record) {
			values = append(values, string(rec.Value))
			done = done || string(rec.Value) == "end-0"
		}, func() bool { return done })
		return values, err
	}
	committedView, err := readAll(kgo.ReadCommitted())
	if err != nil {
		return nil, fmt.Errorf("read_committed: %w", err)
	}
	uncommittedView, err := readAll(kgo.ReadUncommitted())
	if err != nil {
		return nil, fmt.Errorf("read_uncommitted: %w", err)
	}
	offsets, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("fetch offsets: %w", err)
	}
	inputOffset, _ := offsets.Lookup(in, 0)
	return map[string]any{
		"transformed":            transformed,
		"readCommitted":          committedView,
		"readUncommitted":        uncommittedView,
		"groupOffsetOnInput":     inputOffset.At,
		"sentAddPartitionsToTxn": keys.sent(kmsg.AddPartitionsToTxn),
		"sentAddOffsetsToTxn":    keys.sent(kmsg.AddOffsetsToTxn),
		"sentTxnOffsetCommit":    keys.sent(kmsg.TxnOffsetCommit),
	}, nil
}

// franzAdmin: kadm's topic, config, partition, offset, record and group administration, with the
// error names both brokers must give for the failing calls.
func franzAdmin(ctx context.Context, bootstrap, prefix string) (any, error) {
	a, b, group := prefix+"-a", prefix+"-b", prefix+"-admin"
	cl, err := franzClient(bootstrap, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	res := map[string]any{}

	if err := createTopic(ctx, adm, a, 3, map[string]*string{"retention.ms": kadm.StringPtr("3600000")}); err != nil {
		return nil, err
	}
	if err := createTopic(ctx, adm, b, 1, nil); err != nil {
		return nil, err
	}
	// kadm returns the topic's own error as the call's error.
	_, err = adm.CreateTopic(ctx, 3, 1, nil, a)
	res["createExistingError"] = errName(err)

	// Kafka's metadata catches up with a creation asynchronously: wait until both topics are listed
	// with partitions, as an application would.
	var details kadm.TopicDetails
	for len(details[a].Partitions) == 0 || len(details[b].Partitions) == 0 {
		if details, err = adm.ListTopics(ctx, a, b); err != nil {
			return nil, err
		}
		if len(details[a].Partitions) == 0 || len(details[b].Partitions) == 0 {
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("topics not listed: %w", ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	res["partitions"] = map[string]int{"a": len(details[a].Partitions), "b": len(details[b].Partitions)}

	describe := func(keys ...string) (map[string]string, error) {
		rcs, err := adm.DescribeTopicConfigs(ctx, a)
		if err != nil {
			return nil, err
		}
		rc, err := rcs.On(a, nil)
		if err == nil {
			err = rc.Err
		}
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, c := range rc.Configs {
			for _, k := range keys {
				if c.Key == k {
					out[k] = fmt.Sprintf("%s (%s)", c.MaybeValue(), c.Source)
				}
			}
		}
		return out, nil
	}
	if res["configsAfterCreate"], err = describe("retention.ms", "cleanup.policy"); err != nil {
		return nil, fmt.Errorf("describe configs: %w", err)
	}
	alter := func(configs ...kadm.AlterConfig) (string, error) {
		resps, err := adm.AlterTopicConfigs(ctx, configs, a)
		if err != nil {
			return "", err
		}
		r, err := resps.On(a, nil)
		if err != nil {
			return "", err
		}
		return errName(r.Err), nil
	}
	if res["alterError"], err = alter(kadm.AlterConfig{Op: kadm.SetConfig, Name: "cleanup.policy", Value: kadm.StringPtr("compact")},
		kadm.AlterConfig{Op: kadm.DeleteConfig, Name: "retention.ms"}); err != nil {
		return nil, err
	}
	// Kafka's broker applies an accepted config change from its metadata log a moment after the
	// answer: ask again for up to 5 s until the change shows (the outcome compared, not the delay).
	var afterAlter map[string]string
	for attempt := 0; attempt < 50; attempt++ {
		if attempt > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		if afterAlter, err = describe("retention.ms", "cleanup.policy"); err != nil {
			return nil, err
		}
		if strings.HasPrefix(afterAlter["cleanup.policy"], "compact") {
			break
		}
	}
	res["configsAfterAlter"] = afterAlter
	if res["alterInvalidError"], err = alter(kadm.AlterConfig{Op: kadm.SetConfig, Name: "retention.ms", Value: kadm.StringPtr("soon")}); err != nil {
		return nil, err
	}

	grown, err := adm.UpdatePartitions(ctx, 3, b)
	if err != nil {
		return nil, err
	}
	res["growPartitionsError"] = errName(grown[b].Err)
	shrunk, err := adm.UpdatePartitions(ctx, 2, b)
	if err != nil {
		return nil, err
	}
	res["shrinkPartitionsError"] = errName(shrunk[b].Err)

	records := []*kgo.Record{}
	for i := 0; i < 10; i++ {
		records = append(records, &kgo.Record{Topic: b, Partition: 1, Value: recordValue("r", i)})
	}
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	deleteAt := kadm.Offsets{}
	deleteAt.Add(kadm.Offset{Topic: b, Partition: 1, At: 4})
	deleted, err := adm.DeleteRecords(ctx, deleteAt)
	if err != nil {
		return nil, err
	}
	dr, _ := deleted.Lookup(b, 1)
	res["deleteRecords"] = map[string]any{"lowWatermark": dr.LowWatermark, "error": errName(dr.Err)}
	starts, err := adm.ListStartOffsets(ctx, b)
	if err != nil {
		return nil, err
	}
	ends, err := adm.ListEndOffsets(ctx, b)
	if err != nil {
		return nil, err
	}
	s1, _ := starts.Lookup(b, 1)
	e1, _ := ends.Lookup(b, 1)
	e0, _ := ends.Lookup(b, 0)
	res["offsetsPartition1"] = []int64{s1.Offset, e1.Offset}
	res["endOffsetPartition0"] = e0.Offset

	commit := kadm.Offsets{}
	commit.Add(kadm.Offset{Topic: b, Partition: 1, At: 7, LeaderEpoch: -1, Metadata: "by kadm"})
	if err := adm.CommitAllOffsets(ctx, group, commit); err != nil {
		return nil, fmt.Errorf("commit offsets: %w", err)
	}
	fetched, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return nil, err
	}
	fo, _ := fetched.Lookup(b, 1)
	res["fetchedOffset"] = map[string]any{"at": fo.At, "metadata": fo.Metadata, "error": errName(fo.Err)}
	lag, err := adm.Lag(ctx, group)
	if err != nil {
		return nil, err
	}
	res["lag"] = lag[group].Lag.Total()
	listed, err := adm.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	res["listedGroup"] = map[string]string{"state": listed[group].State, "type": listed[group].GroupType, "protocolType": listed[group].ProtocolType}
	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return nil, err
	}
	res["describedGroup"] = map[string]any{"state": described[group].State, "members": len(described[group].Members), "error": errName(described[group].Err)}
	// kadm returns the group's own error as the call's error.
	_, err = adm.DeleteGroup(ctx, group)
	res["deleteGroupError"] = errName(err)
	_, err = adm.DeleteGroup(ctx, group)
	res["deleteGroupAgainError"] = errName(err)

	dts, err := adm.DeleteTopics(ctx, a, b)
	if err != nil {
		return nil, err
	}
	res["deleteTopicsErrors"] = []string{errName(dts[a].Err), errName(dts[b].Err)}
	// Kafka answers DeleteTopics once its controller committed the deletion; its broker's metadata
	// follows a moment later, so a Metadata request right after may still list the topics. Ask
	// again for up to 15 s (a loaded CI machine has taken Kafka more than 5): the outcome compared
	// is whether they are gone, not how fast.
	stillListed := true
	for attempt := 0; attempt < 150 && stillListed; attempt++ {
		if attempt > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		after, err := adm.ListTopics(ctx)
		if err != nil {
			return nil, err
		}
		_, aListed := after[a]
		_, bListed := after[b]
		stillListed = aListed || bListed
	}
	res["listedAfterDelete"] = stillListed
	return res, nil
}
