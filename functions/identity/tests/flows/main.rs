//! End-to-end OpenID Connect flows over real HTTP: the development provider (rpps-devidp) runs
//! on 127.0.0.1 in this process, the client drives it as a browser and a server would.
//! One test binary (see docs/STYLE.md).

mod franceconnect;
mod psc;
mod refusals;
mod support;
