// Consume-transform-produce with franz-go, for bench/ctp.ts. Not a scenario (it reports throughput,
// not an outcome to compare), so not in scenarios.json:
//
//	scenarios franz-ctp BOOTSTRAP TOPIC_IN TOPIC_OUT GROUP TRANSACTIONAL_ID N BATCH
//
// A GroupTransactSession reads TOPIC_IN in GROUP (read_committed) and writes each record to the same
// partition of TOPIC_OUT, up to BATCH records per transaction, committing the group's offsets in each
// transaction, until N records went through. Prints one JSON line {"records", "transactions", "seconds"},
// as bench/ctp.py does for librdkafka.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func franzCtp(args []string) error {
	if len(args) != 7 {
		return fmt.Errorf("usage: scenarios franz-ctp BOOTSTRAP TOPIC_IN TOPIC_OUT GROUP TRANSACTIONAL_ID N BATCH")
	}
	bootstrap, in, out, group, transactionalID := args[0], args[1], args[2], args[3], args[4]
	total, err := strconv.Atoi(args[5])
	if err != nil {
		return fmt.Errorf("N: %w", err)
	}
	batch, err := strconv.Atoi(args[6])
	if err != nil {
		return fmt.Errorf("BATCH: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	started := time.Now()
	sess, err := kgo.NewGroupTransactSession(kgo.SeedBrokers(strings.Split(bootstrap, ",")...), kgo.TransactionalID(transactionalID),
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(in), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.RequireStableFetchOffsets(),
		kgo.DefaultProduceTopic(out), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		return err
	}
	defer sess.Close()
	done, transactions := 0, 0
	for done < total {
		fetches := sess.PollRecords(ctx, min(batch, total-done))
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("after %d records: %w", done, err)
		}
		if err := fetches.Err(); err != nil {
			return fmt.Errorf("poll: %w", err)
		}
		records := fetches.Records()
		if len(records) == 0 {
			continue
		}
		if err := sess.Begin(); err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		transformed := make([]*kgo.Record, len(records))
		for i, r := range records {
			transformed[i] = &kgo.Record{Key: r.Key, Value: r.Value, Partition: r.Partition}
		}
		if err := sess.ProduceSync(ctx, transformed...).FirstErr(); err != nil {
			return fmt.Errorf("transactional produce: %w", err)
		}
		committed, err := sess.End(ctx, kgo.TryCommit)
		if err != nil || !committed {
			return fmt.Errorf("end transaction: committed=%v err=%v", committed, err)
		}
		done += len(records)
		transactions++
	}
	line, err := json.Marshal(map[string]any{"records": done, "transactions": transactions, "seconds": time.Since(started).Seconds()})
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}
