// segmentio/kafka-go: a Writer, a group Reader that fetches and commits, and a second Reader of the
// same group that resumes from the committed offsets.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

func kafkaGoGroup(ctx context.Context, bootstrap, prefix string) (any, error) {
	topic, group := prefix+"-grp", prefix+"-group"
	client := &kafka.Client{Addr: kafka.TCP(bootstrap), Timeout: 30 * time.Second}
	created, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{
		Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: 2, ReplicationFactor: 1}}})
	if err != nil {
		return nil, fmt.Errorf("create topic: %w", err)
	}
	if err := created.Errors[topic]; err != nil {
		return nil, fmt.Errorf("create topic: %w", err)
	}
	writer := &kafka.Writer{Addr: kafka.TCP(bootstrap), Topic: topic, Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond}
	defer writer.Close()
	produce := func(tag string, n int) error {
		msgs := make([]kafka.Message, 0, n)
		for i := 0; i < n; i++ {
			msgs = append(msgs, kafka.Message{Key: recordKey(i), Value: recordValue(tag, i)})
		}
		return writer.WriteMessages(ctx, msgs...)
	}
	consume := func(n int) (*consumed, error) {
		reader := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{bootstrap}, GroupID: group, Topic: topic,
			StartOffset: kafka.FirstOffset, MaxWait: 200 * time.Millisecond})
		defer reader.Close() // leaves the group
		got := newConsumed()
		for got.count() < n {
			msg, err := reader.FetchMessage(ctx)
			if err != nil {
				return nil, fmt.Errorf("fetch after %d of %d: %w", got.count(), n, err)
			}
			got.add(int32(msg.Partition), msg.Offset, msg.Value)
			if err := reader.CommitMessages(ctx, msg); err != nil {
				return nil, fmt.Errorf("commit: %w", err)
			}
		}
		return got, nil
	}

	if err := produce("first", 20); err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	first, err := consume(20)
	if err != nil {
		return nil, fmt.Errorf("first member: %w", err)
	}
	if err := produce("second", 10); err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	resumed, err := consume(10)
	if err != nil {
		return nil, fmt.Errorf("second member: %w", err)
	}
	offsets, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0, 1}}})
	if err != nil {
		return nil, fmt.Errorf("offset fetch: %w", err)
	}
	var committed int64
	for _, p := range offsets.Topics[topic] {
		committed += p.CommittedOffset
	}
	return map[string]any{
		"firstMemberExactly": first.exactly("first", 20),
		"resumedExactly":     resumed.exactly("second", 10),
		"inOffsetOrder":      first.ordered && resumed.ordered,
		"committedOffsetSum": committed,
	}, nil
}
