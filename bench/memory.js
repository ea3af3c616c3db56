/**
 * Memory: idle RSS of a fresh broker (after one Metadata answer and a
 * settling pause), then the peak RSS while a large volume flows through:
 * produce (16 KiB batches, acks=1, 8 in flight, 4 partitions round robin) up
 * to 5 GB or a time cap, then fetch it all back (8 MiB fetches, 4 in flight),
 * VmRSS sampled every 50 ms and VmHWM read at the end. When the time cap
 * stops the flow before 5 GB the printed volume is what actually flowed.
 */
'use strict';
const { join } = require('node:path');
const { dist, WireClient } = require('./wire');
const { drive } = require('./load-generator');
const { startBroker, rssMb, rssSampler, statusKb } = require('./proc');
const { batch16k, produceFrames, createTopics, checkProduce } = require('./produce');
const { fetchFrame } = require('./fetch');
const { MESSAGES } = require(join(dist, 'protocol/messages'));

const PARTITIONS = 4;
const FETCH_BYTES = 8 << 20;

async function memorySection({ quick }) {
  const capBytes = quick ? 50e6 : 5e9;
  const capSeconds = quick ? 1 : 20;
  const broker = await startBroker();
  try {
    const c = await WireClient.open(broker.port);
    await c.request(3, MESSAGES[3], 4, { topics: [], allowAutoTopicCreation: false });
    c.close();
    await new Promise((r) => setTimeout(r, quick ? 300 : 2000));
    const idle = rssMb(broker.pid);
    await createTopics(broker.port, [['memory', PARTITIONS]]);
    const { batch } = batch16k();
    const frames = produceFrames('memory', PARTITIONS, 1, batch);
    await checkProduce(broker.port, frames[0]);
    const sampler = rssSampler(broker.pid);
    const produced = await drive(broker.port, { frameAt: (i) => frames[i % PARTITIONS], requests: Math.ceil(capBytes / 2 / batch.length), seconds: capSeconds / 2, inFlight: 8 });
    // Fetch back what each partition holds.
    const perPartition = Math.floor(produced.requests / PARTITIONS) - 1;
    const recordsPerBatch = batch.readInt32BE(57);
    const step = Math.floor(FETCH_BYTES / batch.length) * recordsPerBatch;
    const fetches = [];
    for (let p = 0; p < PARTITIONS; p++) for (let o = 0; o < perPartition * recordsPerBatch; o += step) fetches.push(fetchFrame('memory', o, fetches.length + 1, p));
    const afterProduce = sampler.stop();
    const anonAfterProduce = statusKb(broker.pid, 'RssAnon') / 1024;
    const sampler2 = rssSampler(broker.pid);
    const fetched = await drive(broker.port, { frameAt: (i) => fetches[i], requests: fetches.length, seconds: capSeconds / 2, inFlight: 4 });
    const peak = sampler2.stop();
    const anonEnd = statusKb(broker.pid, 'RssAnon') / 1024;
    const gb = (produced.bytesSent + fetched.bytesReceived) / 1e9;
    const peakMb = Math.max(afterProduce.peakMb, peak.peakMb, peak.hwmMb);
    return [
      { figure: 'idle RSS (fresh broker, after one Metadata answer)', value: idle, unit: 'MB', target: '< 60 MB', met: idle < 60 },
      {
        figure: `peak RSS while ${gb.toFixed(2)} GB flows through (${(produced.bytesSent / 1e9).toFixed(2)} GB produced, ${(fetched.bytesReceived / 1e9).toFixed(2)} GB fetched${gb < 5 ? '; 5 GB scaled to the time budget' : ''})`,
        value: peakMb,
        unit: 'MB',
        extra: `sampled VmRSS peak ${afterProduce.peakMb.toFixed(1)} MB while producing (RssAnon ${anonAfterProduce.toFixed(0)} MB after), ${peak.peakMb.toFixed(1)} MB while fetching (RssAnon ${anonEnd.toFixed(0)} MB after), VmHWM ${peak.hwmMb.toFixed(1)} MB, produce ${(produced.bytesSent / produced.seconds / 1e6).toFixed(0)} MB/s, fetch ${(fetched.bytesReceived / fetched.seconds / 1e6).toFixed(0)} MB/s`,
        target: '< 250 MB',
        met: peakMb < 250,
      },
    ];
  } finally {
    await broker.stop();
  }
}

module.exports = { memorySection };
