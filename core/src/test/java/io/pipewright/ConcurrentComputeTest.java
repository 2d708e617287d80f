package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentComputeTest {
  @TempDir
  Path tmp;

  @Test
  void twoRunsOfOneProcessReachingTheSameFingerprintComputeItOnce() throws Exception {
    Path ledger = tmp.resolve("ledger.txt");
    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).localThreads(2).open()) {
      RunHandle first = ws.submit(ConcurrentComputeMain.pipeline(ledger));
      RunHandle second = ws.submit(ConcurrentComputeMain.pipeline(ledger));

      List<StepStatus> statuses = List.of(first.await().step("slow").status(), second.await().step("slow").status());

      assertThat(statuses).containsExactlyInAnyOrder(StepStatus.SUCCEEDED, StepStatus.REUSED);
      assertThat(Files.readAllLines(ledger)).containsExactly("ran");
    }
  }

  @Test
  void twoProcessesReachingTheSameFingerprintComputeItOnce() throws Exception {
    Path ledger = tmp.resolve("ledger.txt");
    Path ws = tmp.resolve("ws");
    Workspace.open(ws).close(); // create it, with its store, before two processes race to
    List<ChildJvm> children = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      children.add(ChildJvm.start(ConcurrentComputeMain.class, tmp.resolve("child" + i + ".log"), ws.toString(),
          ledger.toString()));
    }
    List<String> statuses = new ArrayList<>();
    for (ChildJvm child : children) {
      child.awaitExit();
      String out = child.output().trim();
      assertThat(child.process().exitValue()).as(out).isZero();
      statuses.add(out.substring(out.lastIndexOf('\n') + 1));
    }

    assertThat(statuses).containsExactlyInAnyOrder("SUCCEEDED", "REUSED");
    assertThat(Files.readAllLines(ledger)).containsExactly("ran");
  }
}
