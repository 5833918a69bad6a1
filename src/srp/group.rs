//! The group Cognito uses: the 3072-bit prime of RFC 3526 / RFC 5054, g = 2, and Cognito's k.

/// N as 384 big-endian bytes' hex (RFC 3526 group 15, the same prime as RFC 5054's 3072-bit group).
pub(crate) const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The generator.
pub(crate) const G: u8 = 2;

/// k = SHA-256(padHex(N) ‖ padHex(g)) = SHA-256(00 ‖ N ‖ 02), Cognito's multiplier. Checked
/// against a fresh computation in the tests.
pub(crate) const K: [u8; 32] = [
    0x53, 0x82, 0x82, 0xc4, 0x35, 0x47, 0x42, 0xd7, 0xcb, 0xbd, 0xe2, 0x35, 0x9f, 0xcf, 0x67, 0xf9,
    0xf5, 0xb3, 0xa6, 0xb0, 0x87, 0x91, 0xe5, 0x01, 0x1b, 0x43, 0xb8, 0xa5, 0xb6, 0x6d, 0x9e, 0xe6,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srp::math;
    use sha2::{Digest, Sha256};

    #[test]
    fn k_is_hash_of_padded_n_and_g() {
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(math::modulus_bytes());
        h.update([G]);
        assert_eq!(h.finalize().as_slice(), K.as_slice());
    }
}
