// Batches DOM work into animation frames: events only record what changed and ask for
// a frame; each view then writes the DOM once per frame, however many events arrived.

export class FrameScheduler {
  constructor() {
    this.tasks = new Set();
    this.requested = false;
    this.run = this.run.bind(this);
  }

  /** Runs `task` (a stable function, so asking twice in one frame runs it once) in the next frame. */
  request(task) {
    this.tasks.add(task);
    if (!this.requested) {
      this.requested = true;
      requestAnimationFrame(this.run);
    }
  }

  run() {
    this.requested = false;
    const tasks = [...this.tasks];
    this.tasks.clear();
    for (const task of tasks) {
      try {
        task();
      } catch (error) {
        console.error(error);
      }
    }
  }
}
