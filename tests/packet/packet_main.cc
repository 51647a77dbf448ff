// Every packet test binary starts the EAL once, for all its tests.

#include "tests/packet/packet_fixture.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new portico::test::EalEnvironment());
  return RUN_ALL_TESTS();
}
