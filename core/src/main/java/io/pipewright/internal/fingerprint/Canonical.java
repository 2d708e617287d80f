package io.pipewright.internal.fingerprint;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipewright.internal.util.Json;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The canonical text of a value that goes into a fingerprint: equal values give equal text whatever the order of a
 * map's keys or a set's elements, and a value of a type with no canonical form is refused, naming the type. It never
 * falls back to {@code toString()} or {@code hashCode()}, which differ between runs or say too little.
 *
 * <p>Accepted: null, booleans, strings, characters, integral numbers (as integers), finite floating-point numbers (as
 * their shortest decimal), big numbers, enums (as {@code Type.NAME}), records, lists, sets, arrays, maps whose keys
 * are accepted scalars, and Jackson trees.
 */
public final class Canonical {
  private Canonical() {}

  /** Thrown for a value that has no canonical form. */
  public static final class NotCanonicalException extends Exception {
    private static final long serialVersionUID = 1L;

    NotCanonicalException(String message) {
      super(message);
    }
  }

  /** The canonical JSON text of {@code value}. */
  public static String json(Object value) throws NotCanonicalException {
    return Json.write(tree(value, "value"));
  }

  private static Object tree(Object value, String where) throws NotCanonicalException {
    if (value == null || value instanceof Boolean || value instanceof String) {
      return value;
    }
    if (value instanceof Character c) {
      return c.toString();
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        throw new NotCanonicalException(where + " is " + d + ", which has no canonical form");
      }
      return d; // written as Double.toString writes it: 30.0, 0.9
    }
    if (value instanceof BigInteger || value instanceof BigDecimal) {
      return value instanceof BigDecimal b ? b.stripTrailingZeros().toPlainString() : value.toString();
    }
    if (value instanceof Enum<?> e) {
      return e.getDeclaringClass().getName() + "." + e.name();
    }
    if (value instanceof JsonNode node) {
      return tree(Json.MAPPER.convertValue(node, Object.class), where);
    }
    if (value instanceof Map<?, ?> map) {
      TreeMap<String, Object> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        Object key = e.getKey();
        if (!(key instanceof String || key instanceof Number || key instanceof Boolean || key instanceof Enum<?>
            || key instanceof Character)) {
          throw new NotCanonicalException(where + " has a map key of type " + typeName(key)
              + ", which has no canonical form");
        }
        String text = String.valueOf(tree(key, where + " key"));
        sorted.put(text, tree(e.getValue(), where + "[" + text + "]"));
      }
      return sorted;
    }
    if (value instanceof Set<?> set) {
      List<String> encoded = new ArrayList<>();
      for (Object element : set) {
        encoded.add(Json.write(tree(element, where + " element")));
      }
      encoded.sort(null);
      List<Object> elements = new ArrayList<>();
      for (String text : encoded) {
        elements.add(Json.read(text));
      }
      return elements;
    }
    if (value instanceof Collection<?> list) {
      List<Object> elements = new ArrayList<>(list.size());
      int i = 0;
      for (Object element : list) {
        elements.add(tree(element, where + "[" + i++ + "]"));
      }
      return elements;
    }
    if (value.getClass().isArray()) {
      int length = Array.getLength(value);
      List<Object> elements = new ArrayList<>(length);
      for (int i = 0; i < length; i++) {
        elements.add(tree(Array.get(value, i), where + "[" + i + "]"));
      }
      return elements;
    }
    if (value instanceof Record record) {
      TreeMap<String, Object> fields = new TreeMap<>();
      for (RecordComponent component : record.getClass().getRecordComponents()) {
        try {
          component.getAccessor().setAccessible(true);
          fields.put(component.getName(), tree(component.getAccessor().invoke(record),
              where + "." + component.getName()));
        } catch (ReflectiveOperationException | RuntimeException e) {
          throw new NotCanonicalException(where + "." + component.getName() + " cannot be read: " + e);
        }
      }
      fields.put("@record", record.getClass().getName());
      return fields;
    }
    throw new NotCanonicalException(where + " is a " + typeName(value) + ", which has no canonical form");
  }

  private static String typeName(Object value) {
    if (value == null) {
      return "null";
    }
    Class<?> type = value.getClass();
    if (type.isSynthetic() || type.getName().contains("$$Lambda")) {
      return "lambda (" + String.join(", ", List.of(type.getInterfaces()).stream().map(Class::getName).toList())
          + ")";
    }
    return type.getName();
  }
}
