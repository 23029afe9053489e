import { type Paint, painter, renderFrame, renderPlainStatus, type ViewModel } from './render.js';

/**
 * - `live`: a frame redrawn in place with ANSI escapes (only on a terminal);
 * - `plain`: a status line per pipeline every `interval`, and notable events as they happen;
 * - `quiet`: nothing while running.
 */
export type ViewMode = 'live' | 'plain' | 'quiet';

export interface TerminalViewOptions {
  readonly out: NodeJS.WritableStream & {
    readonly columns?: number | undefined;
    readonly rows?: number | undefined;
  };
  readonly mode: ViewMode;
  /** Colours in live mode (off for NO_COLOR). */
  readonly colour: boolean;
  /** Period of plain status lines (ms). */
  readonly interval: number;
  /** Period of live redraws (ms). @defaultValue 500 */
  readonly refresh?: number;
  /** Builds what to show; `recent` is filled in by the view. */
  readonly model: () => Omit<ViewModel, 'recent'>;
}

const RECENT_EVENTS = 8;
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point.
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export class TerminalView {
  readonly mode: ViewMode;
  readonly #options: TerminalViewOptions;
  readonly #paint: Paint;
  readonly #recent: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #drawn = 0;
  #onResize: (() => void) | undefined;
  /** Gives the cursor back even if the process ends without `stop()` (a crash, process.exit). */
  readonly #restoreCursor = () => this.#options.out.write(SHOW_CURSOR);

  constructor(options: TerminalViewOptions) {
    this.#options = options;
    this.mode = options.mode;
    this.#paint = painter(options.mode === 'live' && options.colour);
  }

  start(): void {
    const { mode, out } = this.#options;
    if (mode === 'quiet' || this.#timer !== undefined) return;
    if (mode === 'live') {
      out.write(HIDE_CURSOR);
      process.once('exit', this.#restoreCursor);
      this.#draw();
      this.#timer = setInterval(() => this.#draw(), this.#options.refresh ?? 500);
      // A resize rewraps what is on screen: clear it and draw afresh.
      this.#onResize = () => {
        out.write('\x1b[2J\x1b[H');
        this.#drawn = 0;
        this.#draw();
      };
      out.on('resize', this.#onResize);
    } else {
      this.#timer = setInterval(() => this.#printStatus(), this.#options.interval);
    }
    this.#timer.unref();
  }

  /** A notable event (circuit transition, phase change): printed at once, or listed in the frame. */
  event(line: string): void {
    const { mode, out } = this.#options;
    if (mode === 'plain') out.write(`${line}\n`);
    else if (mode === 'live') {
      this.#recent.push(line);
      if (this.#recent.length > RECENT_EVENTS) this.#recent.shift();
    }
  }

  /** Stops redrawing; a live view draws its last frame and gives the cursor back. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const { mode, out } = this.#options;
    if (mode === 'live') {
      if (this.#onResize !== undefined) out.removeListener('resize', this.#onResize);
      process.off('exit', this.#restoreCursor);
      this.#draw();
      out.write(SHOW_CURSOR);
    } else if (mode === 'plain') {
      this.#printStatus();
    }
  }

  #printStatus(): void {
    const lines = renderPlainStatus({ ...this.#options.model(), recent: [] });
    this.#options.out.write(`${lines.join('\n')}\n`);
  }

  #draw(): void {
    const { out } = this.#options;
    const width = out.columns ?? 120;
    let lines = renderFrame({ ...this.#options.model(), recent: this.#recent }, this.#paint).map((line) =>
      fit(line, width),
    );
    // A frame taller than the terminal would scroll, and the next redraw could not reach its
    // top: show what fits (the table and phases come first, recent events last).
    if (out.rows !== undefined && out.rows > 1 && lines.length > out.rows - 1)
      lines = lines.slice(0, out.rows - 1);
    // Back to the first line of the previous frame (column 1), then overwrite line by line.
    let text = this.#drawn > 0 ? `\x1b[${this.#drawn}F` : '';
    for (const line of lines) text += `${line}${CLEAR_LINE_END}\n`;
    out.write(text + CLEAR_BELOW);
    this.#drawn = lines.length;
  }
}

/** Cuts a line to the terminal width so nothing wraps (a wrapped line would break the redraw). */
function fit(line: string, width: number): string {
  const visible = line.replace(ANSI, '');
  if (visible.length < width) return line;
  return `${visible.slice(0, Math.max(0, width - 2))}…`;
}
