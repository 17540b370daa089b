"""confluent-kafka-python AdminClient (librdkafka) against Tributary: topics, partitions, configs.

Usage: admin.py BOOTSTRAP NODE_ID. Prints one line per step and "ALL OK" at the end; any failed
check raises (non-zero exit) with the reason.
"""
import sys

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewPartitions, NewTopic

bootstrap, node_id = sys.argv[1], sys.argv[2]
admin = AdminClient({'bootstrap.servers': bootstrap, 'socket.timeout.ms': 10000})
TIMEOUT = 15


def step(name):
    print('step:', name, flush=True)


def error_of(future):
    try:
        future.result(timeout=TIMEOUT)
    except KafkaException as e:
        return e.args[0]
    raise AssertionError('expected a failure')


def topic_configs(name):
    res = admin.describe_configs([ConfigResource('topic', name)], request_timeout=TIMEOUT)
    return list(res.values())[0].result(timeout=TIMEOUT)


step('create topics')
fs = admin.create_topics([NewTopic('py-a', 3, 1, config={'retention.ms': '3600000'}), NewTopic('py-b', 1, 1)], request_timeout=TIMEOUT)
for f in fs.values():
    assert f.result(timeout=TIMEOUT) is None

step('create errors')
err = error_of(admin.create_topics([NewTopic('py-a', 1, 1)], request_timeout=TIMEOUT)['py-a'])
assert err.code() == KafkaError.TOPIC_ALREADY_EXISTS, err
err = error_of(admin.create_topics([NewTopic('py-bad', 1, 1, config={'retention.ms': 'soon'})], request_timeout=TIMEOUT)['py-bad'])
assert err.code() == KafkaError.INVALID_CONFIG and 'retention.ms' in err.str(), err
err = error_of(admin.create_topics([NewTopic('py-rf', 1, 3)], request_timeout=TIMEOUT)['py-rf'])
assert err.code() == KafkaError.INVALID_REPLICATION_FACTOR, err
assert admin.create_topics([NewTopic('py-validate', 2, 1)], validate_only=True, request_timeout=TIMEOUT)['py-validate'].result(timeout=TIMEOUT) is None

step('list topics')
md = admin.list_topics(timeout=TIMEOUT)
assert 'py-validate' not in md.topics
assert len(md.topics['py-a'].partitions) == 3, md.topics['py-a'].partitions
assert md.brokers[int(node_id)].port > 0

step('create partitions')
assert admin.create_partitions([NewPartitions('py-a', 5)], request_timeout=TIMEOUT)['py-a'].result(timeout=TIMEOUT) is None
err = error_of(admin.create_partitions([NewPartitions('py-a', 2)], request_timeout=TIMEOUT)['py-a'])
assert err.code() == KafkaError.INVALID_PARTITIONS, err
assert len(admin.list_topics(topic='py-a', timeout=TIMEOUT).topics['py-a'].partitions) == 5

step('describe topic configs')
cfg = topic_configs('py-a')
assert cfg['retention.ms'].value == '3600000', cfg['retention.ms']
assert cfg['retention.ms'].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value, cfg['retention.ms'].source
assert cfg['segment.bytes'].source == ConfigSource.DEFAULT_CONFIG.value and cfg['segment.bytes'].is_default
assert cfg['cleanup.policy'].value == 'delete'
assert not cfg['cleanup.policy'].is_read_only

step('describe broker configs')
res = admin.describe_configs([ConfigResource('broker', node_id)], request_timeout=TIMEOUT)
bcfg = list(res.values())[0].result(timeout=TIMEOUT)
assert bcfg['num.partitions'].value == '1' and bcfg['num.partitions'].is_read_only
assert not bcfg['log.retention.bytes'].is_read_only

step('alter topic configs')
res = admin.alter_configs([ConfigResource('topic', 'py-a', set_config={'retention.ms': '1000', 'cleanup.policy': 'compact'})], request_timeout=TIMEOUT)
assert list(res.values())[0].result(timeout=TIMEOUT) is None
cfg = topic_configs('py-a')
assert cfg['retention.ms'].value == '1000' and cfg['cleanup.policy'].value == 'compact'
res = admin.alter_configs([ConfigResource('topic', 'py-a', set_config={'retention.ms': '-7'})], request_timeout=TIMEOUT)
err = error_of(list(res.values())[0])
assert err.code() == KafkaError.INVALID_CONFIG and 'retention.ms' in err.str(), err
assert topic_configs('py-a')['retention.ms'].value == '1000'

step('alter broker configs')
res = admin.alter_configs([ConfigResource('broker', node_id, set_config={'log.retention.bytes': '1048576'})], request_timeout=TIMEOUT)
assert list(res.values())[0].result(timeout=TIMEOUT) is None
assert topic_configs('py-b')['retention.bytes'].value == '1048576'

step('delete topics')
for f in admin.delete_topics(['py-a', 'py-b'], request_timeout=TIMEOUT).values():
    assert f.result(timeout=TIMEOUT) is None
err = error_of(admin.delete_topics(['py-a'], request_timeout=TIMEOUT)['py-a'])
assert err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART, err
md = admin.list_topics(timeout=TIMEOUT)
assert 'py-a' not in md.topics and 'py-b' not in md.topics

print('ALL OK', flush=True)
