import { describe, expect, it } from 'vitest';
import { percent, sendToStorage, UploadError } from '../src/rules/upload';

/** An XMLHttpRequest that records what is sent and lets the test play the upload's events. */
class FakeRequest {
  method = '';
  url = '';
  status = 0;
  body: unknown;
  headers: Record<string, string> = {};
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = {
    onprogress: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true });
  }
  answer(status: number) {
    this.status = status;
    this.onload?.();
  }
}

const presigned = {
  url: 'http://s3.local/bucket',
  method: 'POST',
  fields: { key: 'k', policy: 'p', 'Content-Type': 'application/pdf' },
};

describe('upload progress', () => {
  it('reads whole percents and keeps 100 for when S3 has answered', () => {
    expect(percent({ loaded: 0, total: 0 })).toBe(0);
    expect(percent({ loaded: 1, total: 3 })).toBe(33);
    expect(percent({ loaded: 3, total: 3 })).toBe(99);
    expect(percent({ loaded: 3, total: 3 }, true)).toBe(100);
  });

  it('sends the presigned fields first and the file last, and reports each progress event', async () => {
    const request = new FakeRequest();
    const seen: number[] = [];
    const file = new Blob(['%PDF-1.7 hello'], { type: 'application/pdf' });
    const done = sendToStorage(
      presigned,
      file,
      (p) => seen.push(percent(p)),
      () => request as unknown as XMLHttpRequest,
    );
    request.progress(5, 20);
    request.progress(20, 20);
    request.answer(204);
    await done;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(presigned.url);
    const names = [...(request.body as FormData).keys()];
    expect(names).toEqual(['key', 'policy', 'Content-Type', 'file']);
    expect(seen).toEqual([25, 99]);
  });

  it('fails with the status when S3 refuses (a file larger than declared, an expired form)', async () => {
    const request = new FakeRequest();
    const done = sendToStorage(
      presigned,
      new Blob(['x']),
      () => {},
      () => request as unknown as XMLHttpRequest,
    );
    request.answer(403);
    await expect(done).rejects.toEqual(new UploadError(403));
    const lost = new FakeRequest();
    const offline = sendToStorage(
      presigned,
      new Blob(['x']),
      () => {},
      () => lost as unknown as XMLHttpRequest,
    );
    lost.onerror?.();
    await expect(offline).rejects.toBeInstanceOf(UploadError);
  });
});
