// Every store's contract, for an implementation of all of them (the in-memory fakes, the DynamoDB stores).
import { describeBlockStoreContract } from './block-store-contract.js';
import { describeConnectionStoreContract } from './connection-store-contract.js';
import { describeDeviceStoreContract } from './device-store-contract.js';
import { describeMessageChangesContract } from './message-changes-contract.js';
import { describeMessageStoreContract } from './message-store-contract.js';
import { describeOccupancyStoreContract } from './occupancy-store-contract.js';
import { describePresenceStoreContract } from './presence-store-contract.js';
import { describeProfileStoreContract } from './profile-store-contract.js';
import { describeReportStoreContract } from './report-store-contract.js';
import { describeRoomStoreContract } from './room-store-contract.js';
import type { MakeStores } from './store-fixtures.js';
import { describeSubscriptionStoreContract } from './subscription-store-contract.js';
import { describeTypingStoreContract } from './typing-store-contract.js';

export function describeStoreContracts(name: string, makeStores: MakeStores): void {
  describeProfileStoreContract(name, makeStores);
  describeConnectionStoreContract(name, makeStores);
  describePresenceStoreContract(name, makeStores);
  describeRoomStoreContract(name, makeStores);
  describeSubscriptionStoreContract(name, makeStores);
  describeMessageStoreContract(name, makeStores);
  describeMessageChangesContract(name, makeStores);
  describeTypingStoreContract(name, makeStores);
  describeDeviceStoreContract(name, makeStores);
  describeBlockStoreContract(name, makeStores);
  describeReportStoreContract(name, makeStores);
  describeOccupancyStoreContract(name, makeStores);
}
