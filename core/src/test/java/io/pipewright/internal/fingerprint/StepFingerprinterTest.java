package io.pipewright.internal.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Fingerprint.Component;
import io.pipewright.Pipeline;
import io.pipewright.Step;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** What a body given as an instance contributes to its step's fingerprint. */
class StepFingerprinterTest {
  /** A body holding a function, a class, plain settings and a path that its own rules cover. */
  static final class Holder implements StepBody {
    final ToIntFunction<String> function;
    final Class<?> helper;
    final List<String> args;
    final transient Path folder;

    Holder(ToIntFunction<String> function, Class<?> helper, List<String> args, Path folder) {
      this.function = function;
      this.helper = helper;
      this.args = args;
      this.folder = folder;
    }

    @Override
    public void run(StepContext ctx) {}
  }

  static final class Helper {}

  private final List<Class<?>> asked = new ArrayList<>();

  private final StepFingerprinter fingerprinter = new StepFingerprinter(type -> {
    asked.add(type);
    return List.of(new Component("code:class:" + type.getName(), "hash-of-" + type.getSimpleName()));
  });

  private StepFingerprinter.Result fingerprint(StepBody body, String sourceHash) {
    Pipeline p = Pipeline.named("p");
    Step step = p.step("s").runs(body);
    return fingerprinter.fingerprint("p", step, "local", Map.of(), Map.of(), sourceHash);
  }

  @Test
  void fieldsHoldingLambdasAndClassesBringTheirCodeAndTransientFieldsAreLeftOut() {
    int offset = 3;
    StepFingerprinter.Result result = fingerprint(
        new Holder(s -> s.length() + offset, Helper.class, List.of("--x", "1"), Path.of("/somewhere")), null);

    assertThat(result.notReusable()).isNull();
    String state = result.fingerprint().component("code:state").orElseThrow().value();
    assertThat(state).isEqualTo("{\"args\":[\"--x\",\"1\"],\"function\":{\"captured\":{\"arg$1\":3},\"lambda\":"
        + "\"io.pipewright.internal.fingerprint.StepFingerprinterTest\"},\"helper\":\"class "
        + "io.pipewright.internal.fingerprint.StepFingerprinterTest$Helper\"}");
    assertThat(asked).contains(Holder.class, Helper.class, StepFingerprinterTest.class);
    assertThat(result.fingerprint().component("code:class:" + StepFingerprinterTest.class.getName())).isPresent();
    // a lambda in a field is told apart from its class's other lambdas by its step, as a lambda body is
    assertThat(result.fingerprint().component("code:lambda").orElseThrow().value()).isEqualTo("p/s");
  }

  @Test
  void aSourceFolderHashIsAComponentOfItsOwn() {
    Holder body = new Holder(null, Helper.class, List.of(), Path.of("/a"));

    StepFingerprinter.Result without = fingerprint(body, null);
    StepFingerprinter.Result with = fingerprint(body, "sha256:" + "a".repeat(64));
    StepFingerprinter.Result other = fingerprint(new Holder(null, Helper.class, List.of(), Path.of("/b")),
        "sha256:" + "b".repeat(64));

    assertThat(without.fingerprint().component("code:source")).isEmpty();
    assertThat(without.fingerprint().component("code:lambda")).isEmpty();
    assertThat(with.fingerprint().component("code:source").orElseThrow().value()).isEqualTo("sha256:" + "a".repeat(64));
    assertThat(other.fingerprint().hash()).isNotEqualTo(with.fingerprint().hash());
  }

  @Test
  void aStepGivenGpusIsNotTheSameExecutionAsOnCpus() {
    Pipeline p = Pipeline.named("p");
    Step cpu = p.step("s").runs(new Holder(null, Helper.class, List.of(), null));
    Step gpu = Pipeline.named("p").step("s").resources(r -> r.gpus(2))
        .runs(new Holder(null, Helper.class, List.of(), null));

    StepFingerprinter.Result onCpu = fingerprinter.fingerprint("p", cpu, "gpu", Map.of(), Map.of(), null);
    StepFingerprinter.Result onGpu = fingerprinter.fingerprint("p", gpu, "gpu", Map.of(), Map.of(), null);

    assertThat(onCpu.fingerprint().component("env:gpus")).isEmpty();
    assertThat(onGpu.fingerprint().component("env:gpus").orElseThrow().value()).isEqualTo("2");
    assertThat(onGpu.fingerprint().hash()).isNotEqualTo(onCpu.fingerprint().hash());
  }
}
