#include "dataplane/http/endpoint_health.h"

#include <gtest/gtest.h>

namespace portico::dp::http {
namespace {

TEST(EndpointHealth, DownForTenSecondsThenBack) {
  EndpointHealth h;
  EXPECT_FALSE(h.isDown(7, 1000));
  h.markDown(7, 1000);
  EXPECT_TRUE(h.isDown(7, 1000));
  EXPECT_TRUE(h.isDown(7, 1000 + EndpointHealth::kDownMs - 1));
  EXPECT_FALSE(h.isDown(7, 1000 + EndpointHealth::kDownMs));
  EXPECT_FALSE(h.isDown(8, 1000)) << "only the endpoint that failed";
}

TEST(EndpointHealth, FailingAgainExtendsIt) {
  EndpointHealth h;
  h.markDown(7, 1000);
  h.markDown(7, 9000);
  EXPECT_TRUE(h.isDown(7, 1000 + EndpointHealth::kDownMs + 100));
}

// The millisecond clock wraps every 49.7 days.
TEST(EndpointHealth, SurvivesTheClockWrapping) {
  EndpointHealth h;
  h.markDown(3, 0xffffff00u);
  EXPECT_TRUE(h.isDown(3, 100));
  EXPECT_FALSE(h.isDown(3, EndpointHealth::kDownMs));
}

// More endpoints down than the table holds: the newest are remembered, nothing breaks.
TEST(EndpointHealth, ManyDownAtOnce) {
  EndpointHealth h;
  for (uint32_t id = 0; id < 2000; ++id) h.markDown(id, id);
  int down = 0;
  for (uint32_t id = 0; id < 2000; ++id) down += h.isDown(id, 2000);
  EXPECT_GT(down, 200);
  for (uint32_t id = 1990; id < 2000; ++id) EXPECT_TRUE(h.isDown(id, 2000)) << id;
}

}  // namespace
}  // namespace portico::dp::http
