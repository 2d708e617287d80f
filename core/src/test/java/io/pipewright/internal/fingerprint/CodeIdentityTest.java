package io.pipewright.internal.fingerprint;

import static io.pipewright.internal.fingerprint.JavaSourceCompiler.compile;
import static io.pipewright.internal.fingerprint.JavaSourceCompiler.jar;
import static io.pipewright.internal.fingerprint.JavaSourceCompiler.load;
import static io.pipewright.internal.fingerprint.JavaSourceCompiler.loader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.StepBody;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeIdentityTest {
  private static final String TRAIN = """
      package com.acme;

      import io.pipewright.StepBody;
      import io.pipewright.StepContext;
      import io.pipewright.steps.Normalise;
      import java.util.function.IntUnaryOperator;

      public class Train implements StepBody {
        static class Settings {
          int k = 3;
        }

        @Override
        public void run(StepContext ctx) {
          Runnable anonymous = new Runnable() {
            @Override
            public void run() {
              Helper.work(1);
            }
          };
          class Local {
            int twice(int x) {
              return 2 * x;
            }
          }
          anonymous.run();
          IntUnaryOperator lambda = x -> Scaler.scale(x);
          Helper.work(lambda.applyAsInt(new Local().twice(new Settings().k)));
          Object[] engineAndJdk = {io.pipewright.spi.Capacity.class, io.pipewright.internal.util.Text.class,
              javax.sql.DataSource.class, java.util.List.class, ctx};
          Normalise.apply(engineAndJdk.length);
        }

        static void describe(OnlyInDescriptor value) {}
      }
      """;
  private static final String HELPER = """
      package com.acme;
      public class Helper {
        public static int work(int x) {
          return x + 1;
        }
      }
      """;
  private static final String PIPELINES = """
      package com.acme;
      import io.pipewright.StepBody;
      public final class Pipelines {
        public static StepBody lambda(int k) {
          return ctx -> Helper.work(k);
        }
      }
      """;
  private static final Set<String> TRAIN_CLASSES = Set.of("com.acme.Train", "com.acme.Train$1",
      "com.acme.Train$1Local", "com.acme.Train$Settings", "com.acme.Helper", "com.acme.Scaler",
      "com.acme.OnlyInDescriptor", "io.pipewright.steps.Normalise");

  @TempDir
  Path dir;

  private final CodeIdentityResolver resolver = new CodeIdentityResolver();

  private Path compileApp(String name, String helper, String unrelated) {
    Map<String, String> sources = new LinkedHashMap<>();
    sources.put("com.acme.Train", TRAIN);
    sources.put("com.acme.Helper", helper);
    sources.put("com.acme.Pipelines", PIPELINES);
    sources.put("com.acme.Scaler", "package com.acme; public class Scaler { public static int scale(int x) "
        + "{ return 10 * x; } }");
    sources.put("com.acme.OnlyInDescriptor", "package com.acme; public class OnlyInDescriptor {}");
    sources.put("com.acme.Unrelated", unrelated);
    sources.put("io.pipewright.steps.Normalise", "package io.pipewright.steps; public class Normalise { "
        + "public static double apply(int x) { return x / 2.0; } }");
    return compile(dir.resolve(name), sources);
  }

  private Path compileApp(String name) {
    return compileApp(name, HELPER, "package com.acme; public class Unrelated { int x() { return 1; } }");
  }

  @Test
  void containsTheBodyClassAndEveryApplicationClassItReaches() throws Exception {
    Path classes = compileApp("app");

    CodeIdentity identity = resolver.identify(load(loader(classes), "com.acme.Train"));

    assertThat(identity.root()).isEqualTo("com.acme.Train");
    assertThat(identity.classes()).containsOnlyKeys(TRAIN_CLASSES);
    assertThat(identity.classes().get("com.acme.Train$1Local"))
        .isEqualTo(sha256(Files.readAllBytes(classes.resolve("com/acme/Train$1Local.class"))));
    assertThat(identity.libraries()).isEmpty();
    assertThat(identity.missing()).isEmpty();
  }

  @Test
  void identifiesALambdaBodyByTheClassThatWroteIt() throws Exception {
    ClassLoader loader = loader(compileApp("app"));
    StepBody body = (StepBody) load(loader, "com.acme.Pipelines").getMethod("lambda", int.class).invoke(null, 3);
    assertThat(body.getClass().isHidden()).isTrue();

    CodeIdentity identity = resolver.identify(body.getClass());

    assertThat(identity.root()).isEqualTo("com.acme.Pipelines$$Lambda");
    assertThat(identity.classes()).containsOnlyKeys("com.acme.Pipelines", "com.acme.Helper");
  }

  @Test
  void changingAReferencedHelperChangesItsHashAndNothingElse() {
    String changedHelper = HELPER.replace("x + 1", "x + 2");
    CodeIdentity before = resolver.identify(load(loader(compileApp("before")), "com.acme.Train"));
    CodeIdentity after = resolver.identify(load(loader(compileApp("after", changedHelper,
        "package com.acme; public class Unrelated { int x() { return 1; } }")), "com.acme.Train"));

    assertThat(after.classes().keySet()).isEqualTo(before.classes().keySet());
    Map<String, String> unchanged = new TreeMap<>(after.classes());
    unchanged.remove("com.acme.Helper");
    assertThat(before.classes()).containsAllEntriesOf(unchanged);
    assertThat(after.classes().get("com.acme.Helper")).isNotEqualTo(before.classes().get("com.acme.Helper"));
    assertThat(after.changesSince(before)).containsExactly("code: class com.acme.Helper changed");
  }

  @Test
  void changingAnUnrelatedClassInTheSameFolderChangesNothing() {
    CodeIdentity before = resolver.identify(load(loader(compileApp("before")), "com.acme.Train"));
    CodeIdentity after = resolver.identify(load(loader(compileApp("after", HELPER,
        "package com.acme; public class Unrelated { int x() { return 2; } int y() { return 3; } }")),
        "com.acme.Train"));

    assertThat(after).isEqualTo(before);
    assertThat(after.changesSince(before)).isEmpty();
  }

  @Test
  void recordsALibraryJarByFileNameAndChecksumWithoutFollowingIt() throws Exception {
    Path util10 = utilJar("util-1.0.jar", "x * 2");
    Path app = compile(dir.resolve("app"), Map.of("com.acme.UsesLib", """
        package com.acme;
        public class UsesLib implements io.pipewright.StepBody {
          @Override
          public void run(io.pipewright.StepContext ctx) {
            org.lib.Util.twice(1);
          }
        }
        """), util10);
    List<Path> hashed = new ArrayList<>();
    Function<Path, String> recordingHasher = jar -> {
      hashed.add(jar);
      return CodeIdentityResolver.sha256(jar);
    };

    CodeIdentity before = new CodeIdentityResolver(recordingHasher)
        .identify(load(loader(app, util10), "com.acme.UsesLib"));

    assertThat(before.classes()).containsOnlyKeys("com.acme.UsesLib");
    assertThat(before.libraries()).containsExactly(Map.entry("util-1.0.jar", sha256(Files.readAllBytes(util10))));
    assertThat(before.missing()).as("the library's own references are not followed").isEmpty();
    assertThat(hashed).containsExactly(util10);

    Path util11 = utilJar("util-1.1.jar", "x + x");
    CodeIdentity after = resolver.identify(load(loader(app, util11), "com.acme.UsesLib"));

    assertThat(after.libraries()).containsExactly(Map.entry("util-1.1.jar", sha256(Files.readAllBytes(util11))));
    assertThat(after.classes()).isEqualTo(before.classes());
    assertThat(after.changesSince(before)).containsExactly("library: util-1.0.jar -> util-1.1.jar");
  }

  @Test
  void treatsClassesInTheBodysOwnJarAsApplicationCode() throws IOException {
    Path util = utilJar("util-1.0.jar", "x * 2");
    Path classes = compile(dir.resolve("app"), Map.of(
        "com.acme.Packed", """
            package com.acme;
            public class Packed implements io.pipewright.StepBody {
              @Override
              public void run(io.pipewright.StepContext ctx) {
                org.lib.Util.twice(PackedHelper.ONE.value());
              }
            }
            """,
        "com.acme.PackedHelper", "package com.acme; public enum PackedHelper { ONE; int value() { return 1; } }"),
        util);
    Path app = jar(dir.resolve("app.jar"), classes);

    CodeIdentity identity = resolver.identify(load(loader(app, util), "com.acme.Packed"));

    assertThat(identity.classes()).containsOnlyKeys("com.acme.Packed", "com.acme.PackedHelper");
    assertThat(identity.libraries()).containsOnlyKeys("util-1.0.jar");
  }

  @Test
  void keysJarsThatShareAFileNameByTheirPaths() throws Exception {
    Path first = jar(Files.createDirectories(dir.resolve("a")).resolve("lib.jar"), compile(dir.resolve("first"),
        Map.of("org.first.First", "package org.first; public class First {}")));
    Path second = jar(Files.createDirectories(dir.resolve("b")).resolve("lib.jar"), compile(dir.resolve("second"),
        Map.of("org.second.Second", "package org.second; public class Second {}")));
    Path app = compile(dir.resolve("app"), Map.of("com.acme.UsesBoth", """
        package com.acme;
        public class UsesBoth {
          Object[] both = {org.first.First.class, org.second.Second.class};
        }
        """), first, second);

    CodeIdentity identity = resolver.identify(load(loader(app, first, second), "com.acme.UsesBoth"));

    assertThat(identity.libraries()).containsOnlyKeys(first.toAbsolutePath().toString(),
        second.toAbsolutePath().toString());
  }

  @Test
  void leavesOutJdkAndEngineClassesButKeepsOtherPipewrightPackages() {
    CodeIdentity identity = resolver.identify(load(loader(compileApp("app")), "com.acme.Train"));

    assertThat(identity.classes().keySet())
        .contains("io.pipewright.steps.Normalise")
        .noneMatch(name -> name.startsWith("java.") || name.startsWith("javax."))
        .noneMatch(name -> name.startsWith("io.pipewright.") && !name.startsWith("io.pipewright.steps."));
    assertThat(identity.libraries()).isEmpty();
    assertThat(identity.missing()).isEmpty();
  }

  @Test
  void recordsAClassThatCannotBeFoundAsMissing() throws Exception {
    Path classes = compile(dir.resolve("app"), Map.of(
        "com.acme.WithOptional", """
            package com.acme;
            public class WithOptional {
              Object optional() {
                return new Optional();
              }
            }
            """,
        "com.acme.Optional", "package com.acme; public class Optional {}"));
    Files.delete(classes.resolve("com/acme/Optional.class"));

    CodeIdentity identity = resolver.identify(load(loader(classes), "com.acme.WithOptional"));

    assertThat(identity.classes()).containsOnlyKeys("com.acme.WithOptional");
    assertThat(identity.missing()).containsExactly("com.acme.Optional");
  }

  @Test
  void givesEqualIdentitiesForTheSameClassesInFreshClassLoaders() throws Exception {
    Path classes = compileApp("app");

    CodeIdentity first = new CodeIdentityResolver().identify(load(loader(classes), "com.acme.Train"));
    CodeIdentity second = new CodeIdentityResolver().identify(load(loader(classes), "com.acme.Train"));
    StepBody lambda = (StepBody) load(loader(classes), "com.acme.Pipelines").getMethod("lambda", int.class)
        .invoke(null, 5);

    assertThat(second).isEqualTo(first);
    assertThat(second.toString()).isEqualTo(first.toString());
    assertThat(CodeIdentity.of(lambda.getClass(), CodeIdentityResolver::sha256).root())
        .isEqualTo("com.acme.Pipelines$$Lambda");
  }

  @Test
  void locatesAndReadsEachClassOnceAcrossManyIdentifications() throws Exception {
    Path classes = compileApp("app");
    Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();
    ThreadLocal<Boolean> reading = ThreadLocal.withInitial(() -> false);
    try (URLClassLoader counting = new URLClassLoader(new URL[] {classes.toUri().toURL()},
        getClass().getClassLoader()) {
      @Override
      public URL getResource(String name) {
        if (!reading.get()) {
          lookups.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
        }
        return super.getResource(name);
      }

      @Override
      public InputStream getResourceAsStream(String name) {
        reads.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
        reading.set(true); // URLClassLoader finds the stream through getResource
        try {
          return super.getResourceAsStream(name);
        } finally {
          reading.set(false);
        }
      }
    }) {
      Class<?> train = load(counting, "com.acme.Train");
      Class<?> lambda = ((StepBody) load(counting, "com.acme.Pipelines").getMethod("lambda", int.class)
          .invoke(null, 1)).getClass();
      lookups.clear();
      reads.clear();

      for (int i = 0; i < 1000; i++) {
        resolver.identify(train);
        resolver.identify(lambda);
      }

      assertThat(reads.keySet()).hasSize(TRAIN_CLASSES.size() + 1);
      assertThat(reads.values()).allMatch(count -> count.get() == 1);
      assertThat(lookups.keySet()).contains("javax/sql/DataSource.class", "com/acme/Train.class");
      assertThat(lookups.values()).allMatch(count -> count.get() == 1);
    }
  }

  @Test
  void givesTheSameIdentityToConcurrentCallers() throws Exception {
    Class<?> train = load(loader(compileApp("app")), "com.acme.Train");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<CodeIdentity>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        results.add(pool.submit(() -> resolver.identify(train)));
      }
      Set<CodeIdentity> distinct = new HashSet<>();
      for (Future<CodeIdentity> result : results) {
        distinct.add(result.get());
      }
      assertThat(distinct).hasSize(1);
      assertThat(distinct.iterator().next().classes()).containsOnlyKeys(TRAIN_CLASSES);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void refusesABodyWhoseClassFileCannotBeRead() {
    Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {StepBody.class},
        (self, method, args) -> null);

    assertThatThrownBy(() -> resolver.identify(proxy.getClass()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cannot identify the code of " + proxy.getClass().getName() + ": ");
  }

  @Test
  void describesEachDifferenceOnOneLine() {
    CodeIdentity before = new CodeIdentity("com.acme.Train",
        new TreeMap<>(Map.of("com.acme.Train", "1", "com.acme.Old", "2")),
        new TreeMap<>(Map.of("tribuo-core-4.3.1.jar", "a", "gone.jar", "b", "same.jar", "c")),
        new TreeSet<>(Set.of("com.acme.Optional")));
    CodeIdentity after = new CodeIdentity("com.acme.Train",
        new TreeMap<>(Map.of("com.acme.Train", "9", "com.acme.New", "3")),
        new TreeMap<>(Map.of("tribuo-core-4.3.2.jar", "d", "new-1.0.jar", "e", "same.jar", "f")),
        new TreeSet<>(Set.of("com.acme.Other")));

    assertThat(after.changesSince(before)).containsExactly(
        "code: class com.acme.New added",
        "code: class com.acme.Old removed",
        "code: class com.acme.Optional was missing, found now",
        "code: class com.acme.Other is missing now",
        "code: class com.acme.Train changed",
        "library: gone.jar removed",
        "library: new-1.0.jar added",
        "library: same.jar changed",
        "library: tribuo-core-4.3.1.jar -> tribuo-core-4.3.2.jar");
    assertThat(after.changesSince(after)).isEmpty();
  }

  /** A library whose Util names a class left out of the jar: following the library would report it missing. */
  private Path utilJar(String name, String body) throws IOException {
    Path classes = compile(dir.resolve(name + "-classes"), Map.of(
        "org.lib.Util", "package org.lib; public class Util { public static int twice(int x) { "
            + "return Internal.check(" + body + "); } }",
        "org.lib.Internal", "package org.lib; class Internal { static int check(int x) { return x; } }"));
    Files.delete(classes.resolve("org/lib/Internal.class"));
    return jar(dir.resolve(name), classes);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
