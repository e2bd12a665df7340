import { Injectable } from '@nestjs/common';
import { SnmpCredential } from './snmp-poller';

/** Opens the snmp-v2c or snmp-v3 credential a deployment names, in the worker. */
@Injectable()
export class SnmpCredentials {
  resolve(id: number): Promise<SnmpCredential> {
    return Promise.reject(new Error(`credential ${id} cannot be opened: no credential store`));
  }
}
