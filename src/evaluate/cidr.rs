//! `Fn::Cidr` arithmetic: carving consecutive address blocks out of an IPv4 or IPv6 block. The third
//! argument of `Fn::Cidr` counts host bits, so `["192.168.0.0/24", 6, 5]` yields six /27 blocks. Pure
//! functions; spans are the caller's business.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Which argument of `Fn::Cidr` an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Argument {
    Block,
    Count,
    Bits,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CidrError {
    pub argument: Argument,
    pub message: String,
}

fn err(argument: Argument, message: String) -> CidrError {
    CidrError { argument, message }
}

/// The first `count` blocks with `bits` host bits inside `block` (`address/prefix`), in order.
pub fn subnets(block: &str, count: u64, bits: u64) -> Result<Vec<String>, CidrError> {
    let (addr, prefix) = block.split_once('/').ok_or_else(|| {
        err(
            Argument::Block,
            format!("`{block}` is not an address block: expected `address/prefix`"),
        )
    })?;
    let (value, width, v6) = if let Ok(a) = addr.parse::<Ipv4Addr>() {
        (u128::from(u32::from(a)), 32u32, false)
    } else if let Ok(a) = addr.parse::<Ipv6Addr>() {
        (u128::from(a), 128u32, true)
    } else {
        return Err(err(
            Argument::Block,
            format!("`{addr}` is not an IPv4 or IPv6 address"),
        ));
    };
    let prefix: u32 = match prefix.parse() {
        Ok(p) if p <= width => p,
        _ => {
            return Err(err(
                Argument::Block,
                format!("`/{prefix}` is not a prefix length from 0 to {width}"),
            ));
        }
    };
    if !(1..=256).contains(&count) {
        return Err(err(
            Argument::Count,
            format!("the count of `Fn::Cidr` must be from 1 to 256, found {count}"),
        ));
    }
    let room = u64::from(width - prefix);
    if bits == 0 || bits > room {
        return Err(err(
            Argument::Bits,
            format!(
                "{bits} host bits do not fit in a /{prefix} block: the bit size must be from 1 to {room}"
            ),
        ));
    }
    let bits = bits as u32;
    let new_prefix = width - bits;
    // How many blocks fit: 2^(new_prefix - prefix), capped (the count is at most 256 anyway).
    let fits = 1u64.checked_shl(new_prefix - prefix).unwrap_or(u64::MAX);
    if count > fits {
        return Err(err(
            Argument::Count,
            format!("{count} blocks of /{new_prefix} do not fit in `{block}`, which holds {fits}"),
        ));
    }
    let base = network(value, prefix, width);
    let step = 1u128.checked_shl(bits).unwrap_or(0);
    Ok((0..u128::from(count))
        .map(|i| {
            let start = base + i * step;
            if v6 {
                format!("{}/{new_prefix}", Ipv6Addr::from(start))
            } else {
                format!("{}/{new_prefix}", Ipv4Addr::from(start as u32))
            }
        })
        .collect())
}

/// The address with its host bits (those after `prefix` in a `width`-bit address) cleared.
fn network(value: u128, prefix: u32, width: u32) -> u128 {
    let host_bits = width - prefix;
    if host_bits >= 128 {
        0
    } else {
        value & !((1u128 << host_bits) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_blocks_from_host_bits() {
        assert_eq!(
            subnets("192.168.0.0/24", 6, 5).unwrap(),
            [
                "192.168.0.0/27",
                "192.168.0.32/27",
                "192.168.0.64/27",
                "192.168.0.96/27",
                "192.168.0.128/27",
                "192.168.0.160/27"
            ]
        );
        assert_eq!(
            subnets("10.0.0.0/16", 3, 8).unwrap(),
            ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
        );
        // Host bits of the block itself are ignored.
        assert_eq!(subnets("10.0.0.77/24", 1, 8).unwrap(), ["10.0.0.0/24"]);
        assert_eq!(subnets("0.0.0.0/0", 1, 32).unwrap(), ["0.0.0.0/0"]);
    }

    #[test]
    fn ipv6_blocks() {
        assert_eq!(
            subnets("2001:db8:1234:1a00::/56", 3, 64).unwrap(),
            [
                "2001:db8:1234:1a00::/64",
                "2001:db8:1234:1a01::/64",
                "2001:db8:1234:1a02::/64"
            ]
        );
        assert_eq!(subnets("::/0", 1, 128).unwrap(), ["::/0"]);
    }

    #[test]
    fn counts_and_bits_that_do_not_fit() {
        let e = subnets("192.168.0.0/24", 9, 5).unwrap_err();
        assert_eq!(e.argument, Argument::Count);
        assert_eq!(
            e.message,
            "9 blocks of /27 do not fit in `192.168.0.0/24`, which holds 8"
        );
        assert_eq!(subnets("192.168.0.0/24", 8, 5).unwrap().len(), 8);
        assert_eq!(
            subnets("10.0.0.0/8", 0, 8).unwrap_err().argument,
            Argument::Count
        );
        assert_eq!(
            subnets("10.0.0.0/8", 257, 8).unwrap_err().argument,
            Argument::Count
        );
        assert_eq!(
            subnets("10.0.0.0/24", 1, 9).unwrap_err().argument,
            Argument::Bits
        );
        assert_eq!(
            subnets("10.0.0.0/24", 1, 0).unwrap_err().argument,
            Argument::Bits
        );
        assert_eq!(
            subnets("2001:db8::/56", 1, 73).unwrap_err().argument,
            Argument::Bits
        );
    }

    #[test]
    fn malformed_blocks() {
        for b in ["10.0.0.0", "10.0.0/8", "10.0.0.0/33", "fe80::/129", "x/8"] {
            assert_eq!(
                subnets(b, 1, 1).unwrap_err().argument,
                Argument::Block,
                "{b}"
            );
        }
    }
}
