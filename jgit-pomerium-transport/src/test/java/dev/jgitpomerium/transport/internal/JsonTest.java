package dev.jgitpomerium.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void readsATokenEndpointsAnswer() {
    Map<String, Object> answer = Json.parseObject(" {\"count\": 1780, \"value\": \"eyJ.a\\u0062c.d\\/e\", "
        + "\"x\": [true, null, -1.5e2, {}]}\n");
    assertEquals(new BigDecimal(1780), answer.get("count"));
    assertEquals("eyJ.abc.d/e", answer.get("value"));
    assertEquals(List.of(Boolean.TRUE, Json.NULL, new BigDecimal("-1.5e2"), Map.of()), answer.get("x"));
  }

  @Test
  void refusesWhatIsNotExactlyOneObjectWithoutRepeatingTheText() {
    for (String bad : List.of("", "[]", "\"secret\"", "{\"value\":\"secret\"} trailing", "{\"value\":\"a\",\"value\":"
        + "\"b\"}", "{\"value\":secret}", "{\"value\":\"secret", "{\"value\":01}", "{'value':'secret'}",
        "{\"value\":\"a\u0001\"}", "[".repeat(100), "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parseObject(bad), bad);
      assertEquals(false, e.getMessage().contains("secret"), e.getMessage());
    }
  }
}
