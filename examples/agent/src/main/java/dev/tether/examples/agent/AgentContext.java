package dev.tether.examples.agent;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's whole state, saved as one checkpoint: the steps done so far, in order, each with the epoch of the
 * incarnation that executed it.
 */
public record AgentContext(String session, List<Step> steps) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One finished step. */
  public record Step(int step, String result, long epoch) {}

  public AgentContext {
    steps = List.copyOf(steps);
  }

  public static AgentContext empty(String session) {
    return new AgentContext(session, List.of());
  }

  public static AgentContext parse(byte[] json) {
    try {
      return JSON.readValue(json, AgentContext.class);
    } catch (IOException e) {
      throw new UncheckedIOException("not a step agent context", e);
    }
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The number of the last step done, 0 when none. */
  @JsonIgnore
  public int lastStep() {
    return steps.isEmpty() ? 0 : steps.get(steps.size() - 1).step();
  }

  public AgentContext with(Step step) {
    List<Step> more = new ArrayList<>(steps);
    more.add(step);
    return new AgentContext(session, more);
  }
}
