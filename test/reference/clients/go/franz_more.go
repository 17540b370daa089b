// franz-go scenarios that put two members in one group, and two producers on one transactional id:
// the places where a broker's group protocol and transaction coordinator differ most.
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// groupMember is a consumer that polls in the background, keeping what it read and how many
// partitions the group currently assigns it.
type groupMember struct {
	cl       *kgo.Client
	mu       sync.Mutex
	got      *consumed
	assigned map[int32]bool
	pollErr  error
	done     chan struct{}
}

func startMember(ctx context.Context, bootstrap, group, topic string, kip848 bool) (*groupMember, error) {
	m := &groupMember{got: newConsumed(), assigned: map[int32]bool{}, done: make(chan struct{})}
	opts := []kgo.Opt{kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { m.change(a[topic], true) }),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, r map[string][]int32) { m.change(r[topic], false) }),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, l map[string][]int32) { m.change(l[topic], false) }),
	}
	if kip848 {
		opts = append(opts, kgo.ServerSideBalancer(), kgo.Balancers(kgo.CooperativeStickyBalancer()))
	}
	cl, err := franzClient(bootstrap, opts...)
	if err != nil {
		return nil, err
	}
	m.cl = cl
	go func() {
		defer close(m.done)
		for {
			fetches := cl.PollFetches(ctx)
			if fetches.IsClientClosed() || ctx.Err() != nil {
				return
			}
			fetches.EachError(func(t string, p int32, err error) { logf("member fetch error %s[%d]: %v", t, p, err) })
			m.mu.Lock()
			fetches.EachRecord(func(r *kgo.Record) { m.got.add(r.Partition, r.Offset, r.Value) })
			m.mu.Unlock()
			// Commit what this poll returned, as an at-least-once application does per batch.
			if err := cl.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
				m.mu.Lock()
				m.pollErr = fmt.Errorf("commit: %w", err)
				m.mu.Unlock()
				logf("member commit error: %v", err)
			}
		}
	}()
	return m, nil
}

func (m *groupMember) change(partitions []int32, add bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range partitions {
		if add {
			m.assigned[p] = true
		} else {
			delete(m.assigned, p)
		}
	}
}

func (m *groupMember) state() (assigned int, got *consumed, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.assigned), m.got, m.pollErr
}

// leave commits and leaves the group (Close sends the leave), then waits for the poll loop.
func (m *groupMember) leave(ctx context.Context) error {
	err := m.cl.CommitUncommittedOffsets(ctx)
	m.cl.Close()
	<-m.done
	return err
}

// waitFor checks cond every 20 ms until it holds, a member reports an error, or ctx ends.
func waitFor(ctx context.Context, what string, cond func() bool) error {
	defer logf("waited for %s", what)
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// franzGroupRebalance: member A alone gets all 4 partitions; B joins and the group settles at 2+2;
// records written then are read once across the two; B leaves and A gets all 4 back and reads what
// is written next. Offsets committed by both add up to everything written.
func franzGroupRebalance(ctx context.Context, bootstrap, prefix string, kip848 bool) (any, error) {
	topic, group := prefix+"-reb", prefix+"-group"
	cl, err := franzClient(bootstrap)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if err := createTopic(ctx, adm, topic, 4, nil); err != nil {
		return nil, err
	}
	a, err := startMember(ctx, bootstrap, group, topic, kip848)
	if err != nil {
		return nil, err
	}
	defer a.cl.Close()
	if err := waitFor(ctx, "A assigned 4 partitions", func() bool { n, _, _ := a.state(); return n == 4 }); err != nil {
		return nil, err
	}
	b, err := startMember(ctx, bootstrap, group, topic, kip848)
	if err != nil {
		return nil, err
	}
	defer b.cl.Close()
	if err := waitFor(ctx, "a 2+2 split", func() bool {
		na, _, _ := a.state()
		nb, _, _ := b.state()
		return na == 2 && nb == 2
	}); err != nil {
		na, _, _ := a.state()
		nb, _, _ := b.state()
		return nil, fmt.Errorf("%w (A has %d, B has %d)", err, na, nb)
	}
	// Record i to partition i%4, so both members have records to read whatever the key hash.
	spread, err := franzClient(bootstrap, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return nil, err
	}
	defer spread.Close()
	records := []*kgo.Record{}
	for i := 0; i < 40; i++ {
		records = append(records, &kgo.Record{Topic: topic, Partition: int32(i % 4), Value: recordValue("split", i)})
	}
	if err := spread.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return nil, err
	}
	union := func() *consumed {
		u := newConsumed()
		for _, m := range []*groupMember{a, b} {
			m.mu.Lock()
			for v, c := range m.got.values {
				u.values[v] += c
			}
			u.ordered = u.ordered && m.got.ordered
			m.mu.Unlock()
		}
		return u
	}
	if err := waitFor(ctx, "40 records across A and B", func() bool { return union().count() >= 40 }); err != nil {
		return nil, err
	}
	_, gotA, _ := a.state()
	_, gotB, _ := b.state()
	split := union()
	readByBoth := gotA.count() > 0 && gotB.count() > 0
	if err := b.leave(ctx); err != nil {
		return nil, fmt.Errorf("B leaving: %w", err)
	}
	if err := waitFor(ctx, "A assigned 4 partitions again", func() bool { n, _, _ := a.state(); return n == 4 }); err != nil {
		return nil, err
	}
	if err := produceSync(ctx, cl, topic, "after", 0, 8); err != nil {
		return nil, err
	}
	if err := waitFor(ctx, "A reads the 8 written after B left", func() bool {
		_, got, _ := a.state()
		a.mu.Lock()
		defer a.mu.Unlock()
		n := 0
		for i := 0; i < 8; i++ {
			n += got.values[string(recordValue("after", i))]
		}
		return n >= 8
	}); err != nil {
		return nil, err
	}
	_, _, errA := a.state()
	_, _, errB := b.state()
	if err := a.leave(ctx); err != nil {
		return nil, fmt.Errorf("A leaving: %w", err)
	}
	after := newConsumed()
	a.mu.Lock()
	for v, c := range a.got.values {
		if len(v) > 6 && v[:6] == "after-" {
			after.values[v] = c
		}
	}
	a.mu.Unlock()
	offsets, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return nil, err
	}
	var committed int64
	offsets.Each(func(o kadm.OffsetResponse) { committed += o.At })
	return map[string]any{
		"splitReadExactlyOnce": split.exactly("split", 40),
		"splitReadByBoth":      readByBoth,
		"afterLeaveExactly":    after.exactly("after", 8),
		"committedOffsetSum":   committed,
		"commitErrors":         []string{errName(errA), errName(errB)},
	}, nil
}

// franzTxnFencing: producer 1 leaves a transaction open; producer 2 starts with the same
// transactional id (aborting 1's transaction and fencing it) and commits its own; producer 1's
// commit then fails with the error both brokers must give.
func franzTxnFencing(ctx context.Context, bootstrap, prefix string) (any, error) {
	out, id := prefix+"-out", prefix+"-txn"
	cl, err := franzClient(bootstrap)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	if err := createTopic(ctx, kadm.NewClient(cl), out, 1, nil); err != nil {
		return nil, err
	}
	zombie, err := franzClient(bootstrap, kgo.TransactionalID(id), kgo.DefaultProduceTopic(out))
	if err != nil {
		return nil, err
	}
	defer zombie.Close()
	if err := zombie.BeginTransaction(); err != nil {
		return nil, err
	}
	if err := produceSync(ctx, zombie, out, "zombie", 0, 2); err != nil {
		return nil, fmt.Errorf("zombie produce: %w", err)
	}
	fresh, err := franzClient(bootstrap, kgo.TransactionalID(id), kgo.DefaultProduceTopic(out))
	if err != nil {
		return nil, err
	}
	defer fresh.Close()
	if err := fresh.BeginTransaction(); err != nil {
		return nil, err
	}
	if err := produceSync(ctx, fresh, out, "fresh", 0, 2); err != nil {
		return nil, fmt.Errorf("fresh produce: %w", err)
	}
	if err := fresh.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return nil, fmt.Errorf("fresh commit: %w", err)
	}
	zombieProduce := errName(produceSync(ctx, zombie, out, "late", 0, 1))
	zombieCommit := errName(zombie.EndTransaction(ctx, kgo.TryCommit))
	if err := produceSync(ctx, cl, out, "end", 0, 1); err != nil {
		return nil, err
	}
	read := func(level kgo.IsolationLevel) ([]string, error) {
		r, err := franzClient(bootstrap, kgo.ConsumeTopics(out), kgo.FetchIsolationLevel(level), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if err != nil {
			return nil, err
		}
		defer r.Close()
		values, done := []string{}, false
		err = pollUntil(ctx, r, func(rec *kgo.Record) {
			values = append(values, string(rec.Value))
			done = done || string(rec.Value) == "end-0"
		}, func() bool { return done })
		return values, err
	}
	committedView, err := read(kgo.ReadCommitted())
	if err != nil {
		return nil, err
	}
	uncommittedView, err := read(kgo.ReadUncommitted())
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"zombieProduceError": zombieProduce,
		"zombieCommitError":  zombieCommit,
		"readCommitted":      committedView,
		"readUncommitted":    uncommittedView,
	}, nil
}
