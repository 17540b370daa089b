// IBM/sarama: a sync producer, a consumer group that marks and commits, and a second member that
// resumes from the committed offsets. The config speaks Kafka 4.3.1's request versions.
package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/IBM/sarama"
)

func saramaConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = "tributary-reference"
	cfg.Version = sarama.V4_3_1_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false // the handler commits, so "resume" tests the commit
	return cfg
}

// saramaHandler consumes until `want` distinct records arrived, marks each, commits and stops.
type saramaHandler struct {
	mu     sync.Mutex
	got    *consumed
	want   int
	cancel context.CancelFunc
}

func (h *saramaHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *saramaHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *saramaHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for msg := range claim.Messages() {
		sess.MarkMessage(msg, "")
		h.mu.Lock()
		h.got.add(msg.Partition, msg.Offset, msg.Value)
		done := h.got.count() >= h.want
		h.mu.Unlock()
		if done {
			sess.Commit()
			h.cancel()
			return nil
		}
	}
	return nil
}

func saramaGroup(ctx context.Context, bootstrap, prefix string) (any, error) {
	topic, group := prefix+"-grp", prefix+"-group"
	brokers := []string{bootstrap}
	cfg := saramaConfig()
	admin, err := sarama.NewClusterAdmin(brokers, cfg)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1}, false); err != nil {
		return nil, fmt.Errorf("create topic: %w", err)
	}
	producer, err := sarama.NewSyncProducer(brokers, cfg)
	if err != nil {
		return nil, err
	}
	defer producer.Close()
	produce := func(tag string, n int) error {
		msgs := make([]*sarama.ProducerMessage, 0, n)
		for i := 0; i < n; i++ {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Key: sarama.ByteEncoder(recordKey(i)), Value: sarama.ByteEncoder(recordValue(tag, i))})
		}
		return producer.SendMessages(msgs)
	}
	consume := func(n int) (*consumed, error) {
		cg, err := sarama.NewConsumerGroup(brokers, group, cfg)
		if err != nil {
			return nil, err
		}
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		h := &saramaHandler{got: newConsumed(), want: n, cancel: cancel}
		go func() {
			for err := range cg.Errors() {
				logf("sarama group error: %v", err)
			}
		}()
		for runCtx.Err() == nil {
			if err := cg.Consume(runCtx, []string{topic}, h); err != nil {
				cg.Close()
				return nil, fmt.Errorf("consume: %w", err)
			}
		}
		if err := cg.Close(); err != nil { // leaves the group
			return nil, fmt.Errorf("close group: %w", err)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("consumed %d of %d: %w", h.got.count(), n, ctx.Err())
		}
		return h.got, nil
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
	offsets, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0, 1}})
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	var committed int64
	for _, b := range offsets.Blocks[topic] {
		committed += b.Offset
	}
	return map[string]any{
		"firstMemberExactly": first.exactly("first", 20),
		"resumedExactly":     resumed.exactly("second", 10),
		"inOffsetOrder":      first.ordered && resumed.ordered,
		"committedOffsetSum": committed,
	}, nil
}
