// The two sizes of the soak: the full one behind `npm run soak`, and the small one `npm test` runs.
import type { SoakOptions } from './soak.js';

export type SoakPreset = Omit<SoakOptions, 'log'>;

/** 1,000 connections in 100 rooms, 10,000 messages, a tenth of the clients down for 2 s of every 15 s. */
export const FULL_SOAK: SoakPreset = {
  rooms: 100,
  connections: 1_000,
  churningClients: 100,
  twoDeviceUsers: 50,
  messages: 10_000,
  // About 17 messages (190 deliveries) a second: what one process of the local stack sustains on one core. Offered
  // faster, the stack still stores every message but its fan-out falls behind (see the README, "Reliability and security").
  sendPhaseMs: 600_000,
  maxInFlight: 32,
  churn: { downMs: 2_000, periodMs: 15_000 },
  connectConcurrency: 25,
  settleMs: 120_000,
};

/** About 100 connections and 1,000 messages: the same checks, under a minute on two quiet cores. */
export const SMALL_SOAK: SoakPreset = {
  rooms: 20,
  connections: 100,
  churningClients: 10,
  twoDeviceUsers: 5,
  messages: 1_000,
  sendPhaseMs: 20_000,
  maxInFlight: 16,
  churn: { downMs: 2_000, periodMs: 15_000 },
  connectConcurrency: 20,
  settleMs: 30_000,
};

/**
 * The load of issue reports: 300 users with two devices each, 40 rooms of 10 members, 2,000 messages sent at once
 * (38,000 deliveries). `--faults <share>` adds a proxy in front of @connections that times out, resets and answers
 * 500 for that share of posts.
 */
export const HEAVY_SOAK: SoakPreset = {
  rooms: 40,
  membersPerRoom: 10,
  connections: 600,
  churningClients: 0,
  twoDeviceUsers: 300,
  messages: 2_000,
  // At once: every sender's messages leave within a second, all in flight together.
  sendPhaseMs: 1_000,
  maxInFlight: 600,
  churn: { downMs: 2_000, periodMs: 15_000 },
  connectConcurrency: 25,
  settleMs: 180_000,
};
