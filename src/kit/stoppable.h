// What a provider implements when its handlers wait for something a client
// asked for (SQS's long polls): told as soon as a signal stops nuage, it
// makes them answer now, so the requests in flight end before the server's
// grace period does. The gateway calls every provider that implements it.
//
// Thread-safety: stopping() is called from the signal thread while handlers
// may run.
#pragma once

namespace nuage::kit {

class Stoppable {
 public:
  virtual ~Stoppable() = default;
  virtual void stopping() = 0;
};

}  // namespace nuage::kit
