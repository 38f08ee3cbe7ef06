package dev.tether.examples.agent;

import dev.tether.examples.agent.AgentContext.Step;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An example agent that survives node failures: it works through numbered steps, saves its context as a
 * checkpoint every few steps through the session supervisor, continues after the last saved step when it starts
 * again elsewhere, and stops at once when a newer incarnation owns the session.
 *
 * <p>Exit codes: 0 all steps done (the session becomes Succeeded), 75 fenced, 143 stopped gracefully (after
 * saving what it had), 1 the supervisor answered something unexpected.
 */
public final class StepAgent {
  public static final int EXIT_DONE = 0;
  public static final int EXIT_ERROR = 1;
  /** EX_TEMPFAIL: not an error of this agent; a newer incarnation carries on. */
  public static final int EXIT_FENCED = 75;
  public static final int EXIT_STOPPED = 143;

  private final AgentConfig config;
  private final AgentListener listener;
  private final SupervisorClient supervisor;
  private final CountDownLatch stopRequested = new CountDownLatch(1);

  public StepAgent(AgentConfig config, AgentListener listener) {
    this.config = config;
    this.listener = listener;
    this.supervisor = new SupervisorClient(config.supervisor(), config.log());
  }

  /** Runs the agent to its end; returns the exit code. Interrupting the thread ends it abruptly. */
  public static int run(AgentConfig config) throws InterruptedException {
    return new StepAgent(config, AgentListener.NONE).run();
  }

  public static void main(String[] args) throws InterruptedException {
    StepAgent agent = new StepAgent(AgentConfig.fromEnv(System.getenv()), AgentListener.NONE);
    CountDownLatch finished = new CountDownLatch(1);
    Thread onTerm = new Thread(() -> {
      agent.stop();
      try {
        finished.await(25, TimeUnit.SECONDS); // inside the pod's termination grace period
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "step-agent-sigterm");
    Runtime.getRuntime().addShutdownHook(onTerm);
    int code;
    try {
      code = agent.run();
    } finally {
      finished.countDown();
    }
    if (agent.stopRequested.getCount() > 0) {
      System.exit(code); // not stopping by SIGTERM: exit with our own code
    }
  }

  /** Asks for a graceful stop: the step in progress is abandoned, the steps done are saved, then it exits 143. */
  public void stop() {
    stopRequested.countDown();
  }

  public int run() throws InterruptedException {
    int code;
    try {
      code = work();
    } catch (SupervisorClient.UnexpectedReply e) {
      config.log().accept("giving up: " + e.getMessage());
      code = EXIT_ERROR;
    }
    listener.exited(code);
    return code;
  }

  private int work() throws InterruptedException {
    Optional<Long> owner = supervisor.awaitReady();
    if (owner.isPresent()) {
      return fenced(owner.get());
    }
    AgentContext context = restore();
    int first = context.lastStep() + 1;
    if (first > config.steps()) {
      config.log().accept("all " + config.steps() + " steps were already done");
      return EXIT_DONE;
    }
    config.log().accept("working on steps " + first + ".." + config.steps() + " (epoch " + config.epoch() + ")");
    listener.resumed(first);
    for (int step = first; step <= config.steps(); step++) {
      if (stopRequested.await(config.stepDuration().toMillis(), TimeUnit.MILLISECONDS)) {
        // Saved even when nothing is new: the final checkpoint also tells the supervisor that it may stop.
        config.log().accept("stopping: saving the steps done so far");
        return save(context, true).orElse(EXIT_STOPPED);
      }
      context = context.with(new Step(step, StepResult.of(config.sessionName(), step), config.epoch()));
      listener.stepDone(step);
      boolean due = step % config.checkpointEvery() == 0 || step == config.steps();
      if (!due && supervisor.checkpointRequested()) {
        config.log().accept("a checkpoint was requested (the session is about to move): saving at step " + step);
        due = true;
      }
      if (due) {
        Optional<Integer> fenced = save(context);
        if (fenced.isPresent()) {
          return fenced.get();
        }
      }
    }
    config.log().accept("all " + config.steps() + " steps done");
    return EXIT_DONE;
  }

  private AgentContext restore() throws InterruptedException {
    Optional<SupervisorClient.Restored> latest = supervisor.latest();
    if (latest.isEmpty()) {
      config.log().accept("no checkpoint: starting from scratch");
      return config.memoryBytes() == 0 ? AgentContext.empty(config.sessionName())
          : AgentContext.withMemory(config.sessionName(), config.memoryBytes());
    }
    SupervisorClient.Restored restored = latest.get();
    AgentContext context = AgentContext.parse(restored.body());
    config.log().accept("restored checkpoint " + restored.sequence() + " at step " + context.lastStep()
        + " (fallback: " + restored.fallback() + ", " + restored.reason() + ", " + restored.body().length
        + " bytes)");
    listener.restored(restored.sequence(), context.lastStep(), restored.fallback(), restored.reason());
    return context;
  }

  /** Commits the context; empty when saved, the exit code when this incarnation must stop. */
  private Optional<Integer> save(AgentContext context) throws InterruptedException {
    return save(context, false);
  }

  private Optional<Integer> save(AgentContext context, boolean last) throws InterruptedException {
    SupervisorClient.Commit commit = supervisor.commit(context.toJson(), context.lastStep(), last);
    if (commit instanceof SupervisorClient.Commit.Fenced fenced) {
      return Optional.of(fenced(fenced.currentEpoch()));
    }
    long sequence = ((SupervisorClient.Commit.Committed) commit).sequence();
    config.log().accept("checkpoint " + sequence + " at step " + context.lastStep());
    listener.checkpointed(sequence, context.lastStep());
    return Optional.empty();
  }

  private int fenced(long currentEpoch) {
    config.log().accept("fenced: a newer incarnation (epoch " + currentEpoch + ") owns the session; stopping");
    listener.fenced(currentEpoch);
    return EXIT_FENCED;
  }
}
