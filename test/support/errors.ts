/** The error body every failure carries. */
export function expectError(body: unknown, status: number, detail?: RegExp): void {
  expect(body).toEqual({
    status_code: status,
    error: expect.any(String),
    detail: expect.any(String),
  });
  if (detail) expect((body as { detail: string }).detail).toMatch(detail);
}
