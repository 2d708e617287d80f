package io.pipewright.internal.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.internal.fingerprint.ClassFile.ConstantKind;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassFileTest {
  @TempDir
  Path dir;

  @Test
  void readsEveryConstantKindJavacEmitsForJava17() throws IOException {
    Map<String, String> sources = Map.of("com.acme.Kinds", """
        package com.acme;

        import java.util.List;
        import java.util.function.Function;

        public class Kinds {
          static int counter;

          record Point(int x, int y) {}

          static String describe(String name, List<String> list) {
            long big = 1234567890123L;
            double e = 2.718281828;
            float f = 3.25f;
            int i = 123456789;
            counter++;
            Function<String, Integer> length = String::length;
            Runnable hello = () -> System.out.println("hello");
            hello.run();
            String size = switch (name) {
              case "one" -> "1";
              case "two" -> "2";
              default -> "many";
            };
            return name + big + e + f + i + length.apply(name) + list.size() + size + new Point(1, 2);
          }
        }
        """);
    Path out = JavaSourceCompiler.compile(dir, sources);
    ClassFile kinds = ClassFile.parse(Files.readAllBytes(out.resolve("com/acme/Kinds.class")));
    ClassFile point = ClassFile.parse(Files.readAllBytes(out.resolve("com/acme/Kinds$Point.class")));

    Set<ConstantKind> present = EnumSet.copyOf(kinds.kinds());
    present.addAll(point.kinds());
    assertThat(present).containsAll(EnumSet.complementOf(
        EnumSet.of(ConstantKind.DYNAMIC, ConstantKind.MODULE, ConstantKind.PACKAGE)));
    assertThat(kinds.majorVersion()).isEqualTo(61);
    assertThat(kinds.name()).isEqualTo("com.acme.Kinds");
    assertThat(literals(kinds)).contains(1234567890123L, 2.718281828, 3.25f, 123456789, "hello");
    assertThat(kinds.referencedClasses())
        .contains("com.acme.Kinds$Point", "java.util.List", "java.util.function.Function", "java.lang.String",
            "java.lang.invoke.LambdaMetafactory", "java.lang.invoke.StringConcatFactory")
        .doesNotContain("com.acme.Kinds");
    assertThat(point.referencedClasses()).contains("com.acme.Kinds", "java.lang.runtime.ObjectMethods");
  }

  @Test
  void leavesTheSlotAfterALongOrDoubleEmpty() throws IOException {
    Path out = JavaSourceCompiler.compile(dir, Map.of("com.acme.Wide", """
        package com.acme;
        public class Wide {
          long l() { return 9876543210L; }
          double d() { return 1.5e300; }
        }
        """));
    ClassFile wide = ClassFile.parse(Files.readAllBytes(out.resolve("com/acme/Wide.class")));

    List<Integer> wideEntries = new ArrayList<>();
    for (int i = 1; i < wide.constantCount(); i++) {
      if (wide.kind(i) == ConstantKind.LONG || wide.kind(i) == ConstantKind.DOUBLE) {
        wideEntries.add(i);
        assertThat(wide.kind(i + 1)).as("the slot after entry %d", i).isNull();
      }
    }
    assertThat(wideEntries).hasSize(2);
    assertThat(literals(wide)).contains(9876543210L, 1.5e300);
  }

  @Test
  void readsModuleAndPackageConstantsOfAModuleDescriptor() throws IOException {
    Map<String, String> sources = new LinkedHashMap<>();
    sources.put("module-info", "module com.acme.kinds { exports com.acme.api; requires java.sql; }");
    sources.put("com.acme.api.Api", "package com.acme.api; public interface Api {}");
    Path out = JavaSourceCompiler.compile(dir, sources);

    ClassFile module = ClassFile.parse(Files.readAllBytes(out.resolve("module-info.class")));

    assertThat(module.name()).isEqualTo("module-info");
    assertThat(module.kinds()).contains(ConstantKind.MODULE, ConstantKind.PACKAGE);
    assertThat(literalsOf(module, ConstantKind.MODULE)).contains("com.acme.kinds", "java.sql");
    assertThat(literalsOf(module, ConstantKind.PACKAGE)).containsExactly("com/acme/api");
    assertThat(module.referencedClasses()).isEmpty();
  }

  @Test
  void readsADynamicConstantAndTheClassesItsBootstrapNames() throws IOException {
    ClassFile condy = ClassFile.parse(classWithDynamicConstant());

    assertThat(condy.name()).isEqualTo("com.acme.Condy");
    assertThat(condy.kind(8)).isEqualTo(ConstantKind.DYNAMIC);
    assertThat(condy.kind(15)).isEqualTo(ConstantKind.METHOD_HANDLE);
    assertThat(condy.literal(16)).isEqualTo(42L);
    assertThat(condy.kind(17)).isNull();
    assertThat(condy.literal(18)).isEqualTo(0.5);
    assertThat(condy.literal(20)).isEqualTo("BootstrapMethods");
    assertThat(condy.referencedClasses()).containsExactly("com.acme.Bootstraps", "com.acme.Produced",
        "java.lang.Class", "java.lang.Object", "java.lang.String", "java.lang.invoke.MethodHandles$Lookup");
  }

  @Test
  void findsClassesNamedOnlyInDescriptorsSignaturesAndRuntimeAnnotations() throws IOException {
    Map<String, String> sources = new LinkedHashMap<>();
    sources.put("com.acme.Shapes", """
        package com.acme;

        import java.util.List;
        import java.util.Map;

        @Visible(kind = Kind.A, type = InClassValue.class, nested = @Nested)
        @Quiet
        public class Shapes<T extends Bound> {
          List<InFieldSignature> items;
          Map<String, ? extends InWildcard> wildcard;
          Outer<String>.Member member;
          List<@TypeUse String> typed;

          void take(InMethodDescriptor x, @ParamMarker int y) {}

          <U extends InMethodBound> List<U> pick() throws InThrows {
            return null;
          }

          record Part(List<InRecordComponent> parts) {}
        }
        """);
    for (String empty : List.of("Bound", "InFieldSignature", "InWildcard", "InMethodDescriptor", "InMethodBound",
        "InClassValue", "InRecordComponent")) {
      sources.put("com.acme." + empty, "package com.acme; public class " + empty + " {}");
    }
    sources.put("com.acme.InThrows", "package com.acme; public class InThrows extends Exception {}");
    sources.put("com.acme.Outer", "package com.acme; public class Outer<T> { public class Member {} }");
    sources.put("com.acme.Kind", "package com.acme; public enum Kind { A }");
    sources.put("com.acme.Nested", "package com.acme; public @interface Nested {}");
    sources.put("com.acme.Visible", """
        package com.acme;
        @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
        public @interface Visible { Kind kind(); Class<?> type(); Nested nested(); }
        """);
    sources.put("com.acme.ParamMarker", """
        package com.acme;
        @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
        public @interface ParamMarker {}
        """);
    sources.put("com.acme.TypeUse", """
        package com.acme;
        @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
        @java.lang.annotation.Target(java.lang.annotation.ElementType.TYPE_USE)
        public @interface TypeUse {}
        """);
    sources.put("com.acme.Quiet", "package com.acme; public @interface Quiet {}");
    Path out = JavaSourceCompiler.compile(dir, sources);

    ClassFile shapes = ClassFile.parse(Files.readAllBytes(out.resolve("com/acme/Shapes.class")));
    ClassFile part = ClassFile.parse(Files.readAllBytes(out.resolve("com/acme/Shapes$Part.class")));

    List<String> onlyOutsideClassConstants = List.of("com.acme.Bound", "com.acme.InFieldSignature",
        "com.acme.InWildcard", "com.acme.InMethodDescriptor",
        "com.acme.InMethodBound", "com.acme.Visible", "com.acme.Kind", "com.acme.InClassValue", "com.acme.Nested",
        "com.acme.ParamMarker", "com.acme.TypeUse");
    assertThat(shapes.referencedClasses()).containsAll(onlyOutsideClassConstants).contains("com.acme.InThrows",
        "com.acme.Shapes$Part", "com.acme.Outer", "com.acme.Outer$Member")
        .allMatch(name -> name.matches("[\\w$]+(\\.[\\w$]+)*"), "a binary class name");
    assertThat(literalsOf(shapes, ConstantKind.CLASS)).as("the test must not pass through class constants")
        .doesNotContainAnyElementsOf(onlyOutsideClassConstants.stream().map(n -> n.replace('.', '/')).toList());
    assertThat(shapes.referencedClasses()).as("annotations the running code cannot see")
        .doesNotContain("com.acme.Quiet");
    assertThat(part.referencedClasses()).contains("com.acme.InRecordComponent", "com.acme.Shapes");
  }

  @Test
  void rejectsBytesThatAreNotAWellFormedClassFile() throws IOException {
    byte[] valid = classWithDynamicConstant();

    assertThatThrownBy(() -> ClassFile.parse(new byte[] {1, 2, 3, 4, 5}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a class file: it does not start with 0xCAFEBABE");
    assertThatThrownBy(() -> ClassFile.parse(Arrays.copyOf(valid, 40)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("truncated class file (40 bytes)");
    byte[] unknownTag = valid.clone();
    unknownTag[10] = 2; // the first constant's tag; 2 is not a constant kind
    assertThatThrownBy(() -> ClassFile.parse(unknownTag))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown constant tag 2 at index 1");
    byte[] trailing = Arrays.copyOf(valid, valid.length + 1);
    assertThatThrownBy(() -> ClassFile.parse(trailing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unexpected bytes after the last attribute");
  }

  private static List<Object> literals(ClassFile classFile) {
    List<Object> literals = new ArrayList<>();
    for (int i = 1; i < classFile.constantCount(); i++) {
      if (classFile.kind(i) != null) {
        literals.add(classFile.literal(i));
      }
    }
    return literals;
  }

  private static List<Object> literalsOf(ClassFile classFile, ConstantKind kind) {
    List<Object> literals = new ArrayList<>();
    for (int i = 1; i < classFile.constantCount(); i++) {
      if (classFile.kind(i) == kind) {
        literals.add(classFile.literal(i));
      }
    }
    return literals;
  }

  /** A class file javac cannot write: a CONSTANT_Dynamic whose bootstrap method returns a com.acme.Produced. */
  private static byte[] classWithDynamicConstant() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0xCAFEBABE);
    out.writeShort(0);
    out.writeShort(61);
    out.writeShort(21);
    utf8(out, "com/acme/Condy"); // 1
    ref(out, 7, 1); // 2 Class
    utf8(out, "java/lang/Object"); // 3
    ref(out, 7, 3); // 4 Class
    utf8(out, "value"); // 5
    utf8(out, "Lcom/acme/Produced;"); // 6
    ref(out, 12, 5, 6); // 7 NameAndType
    ref(out, 17, 0, 7); // 8 Dynamic: bootstrap method 0
    utf8(out, "com/acme/Bootstraps"); // 9
    ref(out, 7, 9); // 10 Class
    utf8(out, "make"); // 11
    utf8(out, "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;)Lcom/acme/Produced;");
    ref(out, 12, 11, 12); // 13 NameAndType
    ref(out, 10, 10, 13); // 14 Methodref
    out.writeByte(15); // 15 MethodHandle: REF_invokeStatic
    out.writeByte(6);
    out.writeShort(14);
    out.writeByte(5); // 16 (and 17) Long
    out.writeLong(42);
    out.writeByte(6); // 18 (and 19) Double
    out.writeDouble(0.5);
    utf8(out, "BootstrapMethods"); // 20
    out.writeShort(0x21); // public super
    out.writeShort(2);
    out.writeShort(4);
    out.writeShort(0); // interfaces
    out.writeShort(0); // fields
    out.writeShort(0); // methods
    out.writeShort(1); // attributes
    out.writeShort(20);
    out.writeInt(6);
    out.writeShort(1);
    out.writeShort(15);
    out.writeShort(0);
    return bytes.toByteArray();
  }

  private static void utf8(DataOutputStream out, String text) throws IOException {
    out.writeByte(1);
    out.writeUTF(text);
  }

  private static void ref(DataOutputStream out, int tag, int... indexes) throws IOException {
    out.writeByte(tag);
    for (int index : indexes) {
      out.writeShort(index);
    }
  }
}
