package dev.tether.examples.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AgentContextTest {
  @Test
  void aContextAsLargeAsTheSupervisorTakesParsesAgain() {
    AgentContext large = AgentContext.withMemory("team-a/chat", (64 << 20) - (64 << 10));
    byte[] json = large.toJson();
    assertThat(json.length).as("above Jackson's default 20 MB string limit").isGreaterThan(20_000_000);
    assertThat(AgentContext.parse(json)).isEqualTo(large);
  }
}
