//! Authentication: passwords, access JWTs, opaque refresh tokens, the request extractor
//! and the limiter for credential guessing.

pub mod cache;
pub mod cookie;
pub mod extractor;
pub mod jwt;
pub mod keys;
pub mod limiter;
pub mod password;

pub use extractor::Authenticated;
