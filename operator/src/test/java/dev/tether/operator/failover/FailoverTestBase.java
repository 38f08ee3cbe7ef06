package dev.tether.operator.failover;

import dev.tether.operator.OperatorTestBed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh namespace and node pool per test; crashed nodes removed afterwards. */
abstract class FailoverTestBase {
  final OperatorTestBed bed = OperatorTestBed.get();
  String ns;
  String pool;

  @BeforeEach
  void freshNamespaceAndPool() {
    ns = bed.newNamespace();
    pool = bed.newPool();
  }

  /** Crashed nodes would add up across tests until the mass-failure guard holds every migration. */
  @AfterEach
  void removeCrashedNodes() {
    bed.removeUnhealthyNodes();
  }
}
