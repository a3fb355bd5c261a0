// The primitives a host backend provides; echo, sudo answering and result assembly live above it.

export interface ExecRequest {
  /** A complete shell command line, run by the remote login shell or by bash locally. */
  command: string;
  onStdout(chunk: Uint8Array): void;
  onStderr(chunk: Uint8Array): void;
  signal?: AbortSignal;
}

export interface ExecOutcome {
  exitCode: number | null;
  signal: string | null;
}

export interface ExecProcess {
  /** Send bytes to the command's standard input. */
  write(data: string | Uint8Array): void;
  /** Close the command's standard input (it reads end-of-file). */
  end(): void;
  done: Promise<ExecOutcome>;
}

/** One host's transport: local processes, or an SSH connection. */
export interface Backend {
  connect(): Promise<void>;
  exec(request: ExecRequest): ExecProcess;
  close(): Promise<void>;
}
