#pragma once

namespace portico::bench {

// The L7 path measured in process, with no EAL and no kernel: the first-request step
// (parse + match) at several hostname counts, and whole connection set-ups through the
// worker's dispatch against new L4 flows as the floor.
int l7FirstPacket(int repeats);
int l7NewConnections(int connections);

}  // namespace portico::bench
