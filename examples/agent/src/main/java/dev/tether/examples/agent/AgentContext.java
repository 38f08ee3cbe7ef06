package dev.tether.examples.agent;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's whole state, saved as one checkpoint: the steps done so far, in order, each with the epoch of the
 * incarnation that executed it, and its memory: text it carries from step to step (a stand-in for a real agent's
 * conversation and tool state, sized by {@code AGENT_MEMORY_BYTES}; empty by default).
 */
public record AgentContext(String session, List<Step> steps, String memory) {
  /**
   * Jackson refuses strings over 20 MB by default; a checkpoint may be up to 64 MiB (the supervisor's limit), and
   * the memory is most of it.
   */
  private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
      .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
          .maxStringLength(128 << 20).build())
      .build());

  /** One finished step. */
  public record Step(int step, String result, long epoch) {}

  public AgentContext {
    steps = List.copyOf(steps);
    memory = memory == null ? "" : memory;
  }

  public AgentContext(String session, List<Step> steps) {
    this(session, steps, "");
  }

  public static AgentContext empty(String session) {
    return new AgentContext(session, List.of());
  }

  /** A fresh context whose memory is {@code bytes} of text, the same for the same session every time. */
  public static AgentContext withMemory(String session, int bytes) {
    java.util.Random random = new java.util.Random(session.hashCode());
    byte[] text = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      text[i] = (byte) ('a' + random.nextInt(26));
    }
    return new AgentContext(session, List.of(), new String(text, java.nio.charset.StandardCharsets.US_ASCII));
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
    return new AgentContext(session, more, memory);
  }
}
