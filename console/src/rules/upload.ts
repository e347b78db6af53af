/**
 * A file sent straight to S3 through the presigned POST form the API gives (`upload.url`,
 * `upload.fields`), with its progress. fetch cannot report upload progress; XMLHttpRequest can.
 */
export interface PresignedUpload {
  url: string;
  method: string;
  fields?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface Progress {
  loaded: number;
  total: number;
}

/** Whole percent, never 100 before S3 has answered (the last bytes are not the answer). */
export function percent({ loaded, total }: Progress, finished = false): number {
  if (finished) return 100;
  if (total <= 0) return 0;
  return Math.min(99, Math.floor((loaded / total) * 100));
}

export class UploadError extends Error {
  constructor(readonly status: number) {
    super(`upload failed: ${status}`);
  }
}

type XhrFactory = () => XMLHttpRequest;

export function sendToStorage(
  upload: PresignedUpload,
  file: Blob,
  onProgress: (progress: Progress) => void,
  newRequest: XhrFactory = () => new XMLHttpRequest(),
): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = newRequest();
    request.open(upload.method || 'POST', upload.url);
    for (const [name, value] of Object.entries(upload.headers ?? {})) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    };
    request.onload = () =>
      request.status >= 200 && request.status < 300 ? resolve() : reject(new UploadError(request.status));
    request.onerror = () => reject(new UploadError(0));
    request.onabort = () => reject(new UploadError(0));
    if ((upload.method || 'POST').toUpperCase() === 'PUT') {
      request.send(file);
      return;
    }
    // S3's POST policy: every field first, the file last.
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, value);
    form.append('file', file);
    request.send(form);
  });
}
