import { expect, it } from "vitest";
import { endpointIndex, ProxyMetrics } from "./metrics";

it("renders counters, histograms and gauges in Prometheus text format", () => {
  const m = new ProxyMetrics();
  m.countRequest(endpointIndex("messages"), 200);
  m.countRequest(endpointIndex("messages"), 503);
  m.countError("unavailable");
  m.requestDuration.observe(0.003);
  m.requestDuration.observe(400);
  m.usageBuffered = () => 7;
  const text = m.render();
  expect(text).toContain('gatehouse_proxy_requests_total{endpoint="messages",status="2xx"} 1');
  expect(text).toContain('gatehouse_proxy_requests_total{endpoint="messages",status="5xx"} 1');
  expect(text).toContain('gatehouse_proxy_errors_total{type="unavailable"} 1');
  expect(text).toContain('gatehouse_proxy_request_duration_seconds_bucket{le="0.0025"} 0');
  expect(text).toContain('gatehouse_proxy_request_duration_seconds_bucket{le="0.005"} 1');
  expect(text).toContain('gatehouse_proxy_request_duration_seconds_bucket{le="300"} 1');
  expect(text).toContain('gatehouse_proxy_request_duration_seconds_bucket{le="+Inf"} 2');
  expect(text).toContain("gatehouse_proxy_request_duration_seconds_count 2");
  expect(text).toContain("gatehouse_proxy_usage_events_buffered 7");
  expect(text.endsWith("\n")).toBe(true);
});
