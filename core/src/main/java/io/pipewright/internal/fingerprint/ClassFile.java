package io.pipewright.internal.fingerprint;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The parts of a class file (JVMS chapter 4; every constant kind up to Java 17) that say which other classes it names:
 * its constant pool, the descriptors and generic signatures of its fields, methods and record components, and its
 * annotations that are visible at run time. Written here rather than taken from ASM to keep core free of a bytecode
 * library whose version would have to follow the JDK's.
 *
 * <p>{@link #referencedClasses()} is every class the class file names: {@code CONSTANT_Class} entries (superclass,
 * interfaces, classes used by the code, nest and inner-class attributes), and the classes inside field and method
 * descriptors of the pool ({@code NameAndType}, {@code MethodType}, so of every field, method, method handle and
 * invokedynamic call site) and of its own members, inside generic signatures, and inside annotations retained at run
 * time (their type, enum and class values). Annotations retained only in the class file are left out: the running
 * code cannot see them, and they are often compile-only libraries. Method bodies are not decoded: every class they
 * use is a pool constant already, and their local-variable tables are debugging information.
 *
 * <p>Immutable. An unknown constant tag (from a future class-file version) is an error, not a guess.
 */
final class ClassFile {
  /** The kinds of constant-pool entries, with their tags. */
  enum ConstantKind {
    UTF8(1), INTEGER(3), FLOAT(4), LONG(5), DOUBLE(6), CLASS(7), STRING(8), FIELDREF(9), METHODREF(10),
    INTERFACE_METHODREF(11), NAME_AND_TYPE(12), METHOD_HANDLE(15), METHOD_TYPE(16), DYNAMIC(17), INVOKE_DYNAMIC(18),
    MODULE(19), PACKAGE(20);

    private static final ConstantKind[] BY_TAG = new ConstantKind[21];

    static {
      for (ConstantKind kind : values()) {
        BY_TAG[kind.tag] = kind;
      }
    }

    final int tag;

    ConstantKind(int tag) {
      this.tag = tag;
    }

    static ConstantKind ofTag(int tag) {
      return tag >= 0 && tag < BY_TAG.length ? BY_TAG[tag] : null;
    }
  }

  private static final int MAGIC = 0xCAFEBABE;

  private final int majorVersion;
  private final ConstantKind[] kinds;
  /** Per entry: a String, Integer, Float, Long or Double for literals; the referenced indexes (int[]) otherwise. */
  private final Object[] values;
  private final String name;
  private final SortedSet<String> referenced = new TreeSet<>();

  private ClassFile(DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IllegalArgumentException("not a class file: it does not start with 0xCAFEBABE");
    }
    in.readUnsignedShort(); // minor version
    majorVersion = in.readUnsignedShort();
    int count = in.readUnsignedShort();
    kinds = new ConstantKind[count];
    values = new Object[count];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      ConstantKind kind = ConstantKind.ofTag(tag);
      if (kind == null) {
        throw new IllegalArgumentException("unknown constant tag " + tag + " at index " + i);
      }
      kinds[i] = kind;
      values[i] = readConstant(kind, in);
      if (kind == ConstantKind.LONG || kind == ConstantKind.DOUBLE) {
        i++; // JVMS 4.4.5: an 8-byte constant takes two entries; the second is unusable
      }
    }
    in.readUnsignedShort(); // access flags
    name = className(in.readUnsignedShort());
    for (int i = 1; i < count; i++) {
      if (kinds[i] == ConstantKind.CLASS) {
        addClassOrArray(utf8(indexes(i)[0]));
      } else if (kinds[i] == ConstantKind.NAME_AND_TYPE) {
        addSignature(utf8(indexes(i)[1]));
      } else if (kinds[i] == ConstantKind.METHOD_TYPE) {
        addSignature(utf8(indexes(i)[0]));
      }
    }
    in.skipNBytes(2); // the superclass and the interfaces are CONSTANT_Class entries, added above
    in.skipNBytes(2L * in.readUnsignedShort());
    readMembers(in); // fields
    readMembers(in); // methods
    readAttributes(in);
    if (in.read() != -1) {
      throw new IllegalArgumentException("unexpected bytes after the last attribute");
    }
    referenced.remove(name);
  }

  /**
   * Parses a class file.
   *
   * @throws IllegalArgumentException if the bytes are not a well-formed class file, saying where it went wrong
   */
  static ClassFile parse(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return new ClassFile(in);
    } catch (EOFException e) {
      throw new IllegalArgumentException("truncated class file (" + bytes.length + " bytes)", e);
    } catch (UTFDataFormatException e) {
      throw new IllegalArgumentException("malformed class file: bad modified UTF-8 in a Utf8 constant", e);
    } catch (IOException e) {
      throw new IllegalStateException("reading a byte array failed", e);
    } catch (ClassCastException | ArrayIndexOutOfBoundsException e) {
      throw new IllegalArgumentException(
          "malformed class file: a constant-pool index is out of range or of the wrong kind", e);
    }
  }

  /** The binary name of this class ({@code com.acme.Outer$Inner}; {@code module-info} for a module descriptor). */
  String name() {
    return name;
  }

  int majorVersion() {
    return majorVersion;
  }

  /** The binary names of the classes this class file names, without itself and without arrays or primitives. */
  SortedSet<String> referencedClasses() {
    return Collections.unmodifiableSortedSet(referenced);
  }

  /** The size of the constant pool as the class file counts it: valid indexes are 1 to {@code count - 1}. */
  int constantCount() {
    return kinds.length;
  }

  /** The kind of the entry at an index; {@code null} for index 0 and for the slot after a long or a double. */
  ConstantKind kind(int index) {
    return kinds[index];
  }

  /** The kinds present in the pool. */
  Set<ConstantKind> kinds() {
    Set<ConstantKind> present = EnumSet.noneOf(ConstantKind.class);
    for (ConstantKind kind : kinds) {
      if (kind != null) {
        present.add(kind);
      }
    }
    return present;
  }

  /**
   * The value of a literal entry (UTF8, INTEGER, FLOAT, LONG, DOUBLE as String, Integer, Float, Long, Double), or the
   * text a CLASS, STRING, METHOD_TYPE, MODULE or PACKAGE entry points to (an internal name, a string, a descriptor, a
   * module or package name); {@code null} for the other kinds.
   */
  Object literal(int index) {
    ConstantKind kind = kinds[index];
    if (kind == null) {
      return null;
    }
    return switch (kind) {
      case UTF8, INTEGER, FLOAT, LONG, DOUBLE -> values[index];
      case CLASS, STRING, METHOD_TYPE, MODULE, PACKAGE -> utf8(indexes(index)[0]);
      default -> null;
    };
  }

  private static Object readConstant(ConstantKind kind, DataInputStream in) throws IOException {
    return switch (kind) {
      case UTF8 -> in.readUTF(); // class files use modified UTF-8 with a u2 length, which is what readUTF reads
      case INTEGER -> in.readInt();
      case FLOAT -> in.readFloat();
      case LONG -> in.readLong();
      case DOUBLE -> in.readDouble();
      case CLASS, STRING, METHOD_TYPE, MODULE, PACKAGE -> new int[] {in.readUnsignedShort()};
      case FIELDREF, METHODREF, INTERFACE_METHODREF, NAME_AND_TYPE, DYNAMIC, INVOKE_DYNAMIC ->
          new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
      case METHOD_HANDLE -> new int[] {in.readUnsignedByte(), in.readUnsignedShort()};
    };
  }

  private int[] indexes(int index) {
    return (int[]) values[index];
  }

  private String utf8(int index) {
    if (kinds[index] != ConstantKind.UTF8) {
      throw new IllegalArgumentException("malformed class file: entry " + index + " is " + kinds[index]
          + ", not UTF8");
    }
    return (String) values[index];
  }

  private String className(int index) {
    if (kinds[index] != ConstantKind.CLASS) {
      throw new IllegalArgumentException("malformed class file: entry " + index + " is " + kinds[index]
          + ", not CLASS");
    }
    return utf8(indexes(index)[0]).replace('/', '.');
  }

  private void readMembers(DataInputStream in) throws IOException {
    int count = in.readUnsignedShort();
    for (int i = 0; i < count; i++) {
      in.skipNBytes(2L + 2L); // access flags, name
      addSignature(utf8(in.readUnsignedShort()));
      readAttributes(in);
    }
  }

  private void readAttributes(DataInputStream in) throws IOException {
    int count = in.readUnsignedShort();
    for (int i = 0; i < count; i++) {
      String attribute = utf8(in.readUnsignedShort());
      long length = Integer.toUnsignedLong(in.readInt());
      switch (attribute) {
        case "Signature" -> addSignature(utf8(in.readUnsignedShort()));
        case "RuntimeVisibleAnnotations" -> readAnnotations(in);
        case "RuntimeVisibleParameterAnnotations" -> {
          int parameters = in.readUnsignedByte();
          for (int p = 0; p < parameters; p++) {
            readAnnotations(in);
          }
        }
        case "RuntimeVisibleTypeAnnotations" -> readTypeAnnotations(in);
        case "AnnotationDefault" -> readElementValue(in);
        case "Record" -> {
          int components = in.readUnsignedShort();
          for (int c = 0; c < components; c++) {
            in.skipNBytes(2); // name
            addSignature(utf8(in.readUnsignedShort()));
            readAttributes(in);
          }
        }
        default -> in.skipNBytes(length);
      }
    }
  }

  private void readAnnotations(DataInputStream in) throws IOException {
    int count = in.readUnsignedShort();
    for (int i = 0; i < count; i++) {
      readAnnotation(in);
    }
  }

  private void readAnnotation(DataInputStream in) throws IOException {
    addSignature(utf8(in.readUnsignedShort()));
    int pairs = in.readUnsignedShort();
    for (int i = 0; i < pairs; i++) {
      in.skipNBytes(2); // element name
      readElementValue(in);
    }
  }

  private void readElementValue(DataInputStream in) throws IOException {
    int tag = in.readUnsignedByte();
    switch (tag) {
      case 'B', 'C', 'D', 'F', 'I', 'J', 'S', 'Z', 's' -> in.skipNBytes(2);
      case 'e' -> {
        addSignature(utf8(in.readUnsignedShort()));
        in.skipNBytes(2);
      }
      case 'c' -> addSignature(utf8(in.readUnsignedShort()));
      case '@' -> readAnnotation(in);
      case '[' -> {
        int count = in.readUnsignedShort();
        for (int i = 0; i < count; i++) {
          readElementValue(in);
        }
      }
      default -> throw new IllegalArgumentException("malformed class file: unknown annotation element tag '"
          + (char) tag + "'");
    }
  }

  private void readTypeAnnotations(DataInputStream in) throws IOException {
    int count = in.readUnsignedShort();
    for (int i = 0; i < count; i++) {
      int target = in.readUnsignedByte();
      switch (target) { // JVMS 4.7.20.1: the size of target_info depends on target_type
        case 0x00, 0x01, 0x16 -> in.skipNBytes(1);
        case 0x10, 0x11, 0x12, 0x17, 0x42, 0x43, 0x44, 0x45, 0x46 -> in.skipNBytes(2);
        case 0x13, 0x14, 0x15 -> { }
        case 0x40, 0x41 -> in.skipNBytes(6L * in.readUnsignedShort());
        case 0x47, 0x48, 0x49, 0x4A, 0x4B -> in.skipNBytes(3);
        default -> throw new IllegalArgumentException("malformed class file: unknown type annotation target 0x"
            + Integer.toHexString(target));
      }
      in.skipNBytes(2L * in.readUnsignedByte()); // type_path
      readAnnotation(in);
    }
  }

  private void addClassOrArray(String internalName) {
    if (internalName.startsWith("[")) {
      addSignature(internalName);
    } else {
      referenced.add(internalName.replace('/', '.'));
    }
  }

  /**
   * Adds the classes named in a field or method descriptor or a class, field or method signature (JVMS 4.3, 4.7.9.1).
   * Descriptors are signatures without type parameters, type arguments or type variables, so one reader serves both.
   */
  private void addSignature(String signature) {
    new SignatureReader(signature).read();
  }

  private final class SignatureReader {
    private final String text;
    private int at;

    SignatureReader(String text) {
      this.text = text;
    }

    void read() {
      try {
        if (peek() == '<') {
          typeParameters();
        }
        while (at < text.length()) {
          char c = peek();
          if (c == '(' || c == ')' || c == '^') {
            at++;
          } else {
            javaType();
          }
        }
      } catch (StringIndexOutOfBoundsException e) {
        throw malformed();
      }
    }

    private void typeParameters() {
      at++; // '<'
      while (peek() != '>') {
        at = text.indexOf(':', at); // the parameter's name
        if (at < 0) {
          throw malformed();
        }
        at++;
        if (peek() != ':') {
          referenceType(); // the class bound; empty when the only bounds are interfaces
        }
        while (peek() == ':') {
          at++;
          referenceType();
        }
      }
      at++;
    }

    private void javaType() {
      switch (peek()) {
        case 'B', 'C', 'D', 'F', 'I', 'J', 'S', 'Z', 'V' -> at++;
        default -> referenceType();
      }
    }

    private void referenceType() {
      switch (peek()) {
        case 'L' -> classType();
        case 'T' -> at = skipPast(';');
        case '[' -> {
          at++;
          javaType();
        }
        default -> throw malformed();
      }
    }

    private void classType() {
      at++; // 'L'
      StringBuilder name = new StringBuilder();
      while (true) {
        int start = at;
        while (peek() != '<' && peek() != '.' && peek() != ';') {
          at++;
        }
        name.append(text, start, at);
        referenced.add(name.toString().replace('/', '.'));
        if (peek() == '<') {
          typeArguments();
        }
        if (peek() == ';') {
          at++;
          return;
        }
        at++; // '.': an inner class of a parameterised outer class, Outer<T>.Inner is class Outer$Inner
        name.append('$');
      }
    }

    private void typeArguments() {
      at++; // '<'
      while (peek() != '>') {
        char c = peek();
        if (c == '*') {
          at++;
        } else {
          if (c == '+' || c == '-') {
            at++;
          }
          referenceType();
        }
      }
      at++;
    }

    private char peek() {
      return text.charAt(at);
    }

    private int skipPast(char c) {
      int end = text.indexOf(c, at);
      if (end < 0) {
        throw malformed();
      }
      return end + 1;
    }

    private IllegalArgumentException malformed() {
      return new IllegalArgumentException("malformed class file: bad descriptor or signature '" + text + "'");
    }
  }
}
