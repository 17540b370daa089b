// franz-go against a Tributary test cluster of three identities in racks (startCluster), run by
// test/cluster/cluster-franz-go.test.ts rather than against both brokers (a one-node Kafka has no
// second replica): a topic with replication factor 3, the default idempotent producer writing
// "0".."N-1" while the test stops and starts the partition's leader identity, all read back; then a
// consumer with kgo.Rack set to a follower's rack, whose fetches that follower serves (KIP-392).
package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

const clusterFailoverRecords = 3000
const clusterNearRecords = 200

func franzCluster(ctx context.Context, bootstrap, prefix string) (any, error) {
	cl, err := franzClient(bootstrap) // idempotent with acks=all by default
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	failover, near := prefix+"-failover", prefix+"-near"
	for _, topic := range []string{failover, near} {
		resp, err := adm.CreateTopic(ctx, 1, 3, nil, topic)
		if err == nil {
			err = resp.Err
		}
		if err != nil {
			return nil, fmt.Errorf("create topic %s: %w", topic, err)
		}
	}

	var acked atomic.Int64
	var mu sync.Mutex
	var produceErrors []string
	var wg sync.WaitGroup
	for i := 0; i < clusterFailoverRecords; i++ {
		wg.Add(1)
		cl.Produce(ctx, &kgo.Record{Topic: failover, Value: []byte(strconv.Itoa(i))}, func(_ *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				mu.Lock()
				produceErrors = append(produceErrors, err.Error())
				mu.Unlock()
				return
			}
			acked.Add(1)
		})
		// Paced, so that the test stops and starts the leader while records are in flight.
		if i%5 == 4 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	wg.Wait()
	values, err := readPartitionZero(ctx, bootstrap, failover, clusterFailoverRecords)
	if err != nil {
		return nil, err
	}
	inOrder := len(values) == clusterFailoverRecords
	for i := 0; inOrder && i < len(values); i++ {
		inOrder = values[i] == strconv.Itoa(i)
	}

	records := make([]*kgo.Record, clusterNearRecords)
	for i := range records {
		records[i] = &kgo.Record{Topic: near, Value: []byte(strconv.Itoa(i))}
	}
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return nil, fmt.Errorf("produce to %s: %w", near, err)
	}
	md, err := adm.Metadata(ctx, near)
	if err != nil {
		return nil, err
	}
	p := md.Topics[near].Partitions[0]
	follower := int32(-1)
	for _, r := range p.Replicas {
		if r != p.Leader {
			follower = r
			break
		}
	}
	rack := ""
	for _, b := range md.Brokers {
		if b.NodeID == follower && b.Rack != nil {
			rack = *b.Rack
		}
	}
	nearValues, err := readPartitionZero(ctx, bootstrap, near, clusterNearRecords, kgo.Rack(rack))
	if err != nil {
		return nil, err
	}
	if len(produceErrors) > 5 {
		produceErrors = produceErrors[:5]
	}
	return map[string]any{
		"acked":                  acked.Load(),
		"errors":                 append([]string{}, produceErrors...),
		"consumedExactlyInOrder": inOrder,
		"nearFollower":           follower,
		"nearRack":               rack,
		"nearConsumed":           len(nearValues),
	}, nil
}

// readPartitionZero reads `count` values from partition 0 of topic, from the start.
func readPartitionZero(ctx context.Context, bootstrap, topic string, count int, opts ...kgo.Opt) ([]string, error) {
	consumer, err := franzClient(bootstrap, append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))...)
	if err != nil {
		return nil, err
	}
	defer consumer.Close()
	var values []string
	err = pollUntil(ctx, consumer, func(r *kgo.Record) { values = append(values, string(r.Value)) }, func() bool { return len(values) >= count })
	return values, err
}
