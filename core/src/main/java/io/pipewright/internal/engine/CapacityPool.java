package io.pipewright.internal.engine;

import io.pipewright.Resources;
import io.pipewright.spi.Capacity;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What one compute target has left, shared by every run of a workspace: an attempt takes its step's cpus, memory and
 * gpus, and one of the target's concurrent steps, before it is handed to the target, and gives them back when it
 * ends. Requests that do not fit wait; whenever something is given back, the waiting ones are granted in the order
 * they came, each that fits: a small request may pass a big one that does not fit yet (so, under a steady stream
 * of small steps, a big one can wait long).
 *
 * <p>Grants made when capacity is given back complete on {@code executor}, never on the releasing thread: that thread
 * holds its run's lock, and the grant takes another run's.
 */
final class CapacityPool {
  private final String target;
  private final Capacity capacity;
  private final Executor executor;
  private final LinkedHashSet<Ticket> waiting = new LinkedHashSet<>();
  private int cpus;
  private long memory;
  private int gpus;
  private int steps;

  CapacityPool(String target, Capacity capacity, Executor executor) {
    this.target = target;
    this.capacity = capacity;
    this.executor = executor;
    this.cpus = capacity.cpus();
    this.memory = capacity.memoryBytes();
    this.gpus = capacity.gpus();
    this.steps = capacity.maxConcurrentSteps();
  }

  Capacity capacity() {
    return capacity;
  }

  /**
   * Asks for a step's needs. The ticket's {@link Ticket#granted()} completes at once when they fit now (on this
   * thread), later on the executor, or exceptionally when they never can.
   */
  Ticket request(Resources needs) {
    Ticket ticket = new Ticket(needs);
    if (needs.cpus() > capacity.cpus() || needs.memoryBytes() > capacity.memoryBytes()
        || needs.gpus() > capacity.gpus()) {
      ticket.state = State.RELEASED;
      ticket.granted.completeExceptionally(new IllegalStateException("needs " + needs + " but compute target '"
          + target + "' has at most " + capacity));
      return ticket;
    }
    boolean now;
    synchronized (this) {
      now = fits(needs);
      if (now) {
        take(ticket);
      } else {
        waiting.add(ticket);
      }
    }
    if (now) {
      ticket.granted.complete(null);
    }
    return ticket;
  }

  private boolean fits(Resources needs) {
    return steps >= 1 && needs.cpus() <= cpus && needs.memoryBytes() <= memory && needs.gpus() <= gpus;
  }

  private void take(Ticket ticket) {
    Resources needs = ticket.needs;
    cpus -= needs.cpus();
    memory -= needs.memoryBytes();
    gpus -= needs.gpus();
    steps--;
    ticket.state = State.HELD;
  }

  private void release(Ticket ticket) {
    List<Ticket> granted;
    synchronized (this) {
      switch (ticket.state) {
        case WAITING -> {
          waiting.remove(ticket);
          ticket.state = State.RELEASED;
          return;
        }
        case HELD -> {
          Resources needs = ticket.needs;
          cpus += needs.cpus();
          memory += needs.memoryBytes();
          gpus += needs.gpus();
          steps++;
          ticket.state = State.RELEASED;
        }
        default -> {
          return;
        }
      }
      granted = new ArrayList<>();
      for (Iterator<Ticket> it = waiting.iterator(); it.hasNext() && steps >= 1; ) {
        Ticket next = it.next();
        if (fits(next.needs)) {
          it.remove();
          take(next);
          granted.add(next);
        }
      }
    }
    for (Ticket next : granted) {
      executor.execute(() -> next.granted.complete(null));
    }
  }

  private enum State { WAITING, HELD, RELEASED }

  /** One attempt's claim on the target: waiting, held, or given back. */
  final class Ticket {
    private final Resources needs;
    private final CompletableFuture<Void> granted = new CompletableFuture<>();
    private State state = State.WAITING; // guarded by the pool

    private Ticket(Resources needs) {
      this.needs = needs;
    }

    /** Completes once the needs are taken from the pool. */
    CompletableFuture<Void> granted() {
      return granted;
    }

    /** Gives the needs back, or stops waiting for them. Idempotent. */
    void release() {
      CapacityPool.this.release(this);
    }
  }
}
