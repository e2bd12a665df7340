import {
  dailyPartition,
  expiredPartitions,
  partitionDay,
  partitionsCovering,
  PARTITIONED_TABLES,
} from './telemetry-partitions';

describe('telemetry partitions', () => {
  it('names the UTC day that holds an instant', () => {
    const p = dailyPartition(new Date('2026-11-27T23:59:59.999+00:00'));
    expect(p.name).toBe('telemetry_samples_p20261127');
    expect(p.table).toBe('telemetry_samples');
    expect(p.from.toISOString()).toBe('2026-11-27T00:00:00.000Z');
    expect(p.to.toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(dailyPartition(new Date('2026-11-28T01:00:00+02:00')).name).toBe(
      'telemetry_samples_p20261127',
    );
  });

  it('names partitions of any partitioned table after the table', () => {
    expect(dailyPartition(new Date('2026-11-27T10:00:00Z'), 'telemetry_rollups').name).toBe(
      'telemetry_rollups_p20261127',
    );
    expect(PARTITIONED_TABLES).toContain('telemetry_samples');
  });

  it('covers a range with consecutive days', () => {
    const days = partitionsCovering(
      new Date('2026-12-30T12:00:00Z'),
      new Date('2027-01-02T00:00:00Z'),
    );
    expect(days.map((d) => d.name)).toEqual([
      'telemetry_samples_p20261230',
      'telemetry_samples_p20261231',
      'telemetry_samples_p20270101',
      'telemetry_samples_p20270102',
    ]);
  });

  it('reads the day back from a name', () => {
    expect(partitionDay('telemetry_samples_p20261127')?.toISOString()).toBe(
      '2026-11-27T00:00:00.000Z',
    );
    expect(partitionDay('telemetry_rollups_p20261127', 'telemetry_rollups')?.toISOString()).toBe(
      '2026-11-27T00:00:00.000Z',
    );
    expect(partitionDay('telemetry_samples')).toBeNull();
    expect(partitionDay('telemetry_rollups_p20261127')).toBeNull();
    expect(partitionDay('telemetry_samples_p2026112')).toBeNull();
  });

  it('expires only days that ended at or before the horizon', () => {
    const names = [
      'telemetry_samples_p20261125',
      'telemetry_samples_p20261126',
      'telemetry_samples_p20261127',
      'telemetry_samples_default',
    ];
    expect(expiredPartitions(names, 'telemetry_samples', new Date('2026-11-27T00:00:00Z'))).toEqual(
      ['telemetry_samples_p20261125', 'telemetry_samples_p20261126'],
    );
    expect(expiredPartitions(names, 'telemetry_samples', new Date('2026-11-26T23:59:59Z'))).toEqual(
      ['telemetry_samples_p20261125'],
    );
  });
});
