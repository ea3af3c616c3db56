// A kafkajs group member in a process of its own, so that a test can
// SIGKILL it: the member then vanishes without a LeaveGroup, as a crashed
// consumer does.
//
// Usage: node kafkajs_group_member.js BOOTSTRAP member JSON-ARGS
//   args: {groupId, topic, sessionTimeout, heartbeatInterval, maxWaitTimeInMs?}
//
// Runs until killed. Prints one JSON document per line on stdout:
//   {"event":"join","memberId":...,"assignment":[partitions of topic]}  on each GROUP_JOIN
//   {"event":"message","partition":p,"offset":o,"value":v}             for each record
//   {"event":"crash","message":...}                                    if the consumer crashes
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, command, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};
const print = (doc) => process.stdout.write(JSON.stringify(doc) + '\n');

async function member() {
  const kafka = new Kafka({ clientId: 'compat-kafkajs-member', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: args.groupId,
    sessionTimeout: args.sessionTimeout,
    heartbeatInterval: args.heartbeatInterval,
    maxWaitTimeInMs: args.maxWaitTimeInMs ?? 200,
  });
  consumer.on(consumer.events.GROUP_JOIN, (e) =>
    print({ event: 'join', memberId: e.payload.memberId, assignment: e.payload.memberAssignment[args.topic] ?? [] }),
  );
  consumer.on(consumer.events.CRASH, (e) => print({ event: 'crash', message: e.payload.error.message }));
  await consumer.connect();
  await consumer.subscribe({ topic: args.topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      print({ event: 'message', partition, offset: Number(message.offset), value: message.value.toString() });
    },
  });
}

if (command !== 'member') {
  print({ error: 'UnknownCommand', message: command });
  process.exit(2);
}
member().catch((e) => {
  print({ event: 'crash', message: e.message });
  process.exit(2);
});
