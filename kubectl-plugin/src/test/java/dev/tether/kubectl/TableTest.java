package dev.tether.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void alignsColumnsThreeSpacesApartAndShowsMissingCellsAsNone() {
    StringWriter text = new StringWriter();
    new Table("NAME", "EPOCH", "NODE").row("research-agent", 3, "node-b").row("a", 12, null)
        .print(new PrintWriter(text));
    assertThat(text.toString().lines()).containsExactly(
        "NAME             EPOCH   NODE",
        "research-agent   3       node-b",
        "a                12      <none>");
  }
}
