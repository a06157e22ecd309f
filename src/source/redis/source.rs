//! The Redis implementation of [`Source`]: discovery and reads in as few
//! round trips as the data allows.

use std::collections::BTreeMap;

use chrono::Utc;

use super::client::{RedisClient, hgetall};
use super::cmd::Cmd;
use super::endpoint::Endpoint;

use crate::error::Result;
use crate::keys::{Prefix, Symbol, SymbolRule};
use crate::source::history::unknown_theta_hashes;
use crate::source::{
    Capture, HashKind, HashRead, ReadPlan, Selection, Source, SourceInfo, SourceKind,
    SymbolCapture, referenced_theta_hashes,
};
use crate::wire::show_raw;

pub struct RedisSource {
    pub(super) client: RedisClient,
    pub(super) info: SourceInfo,
    pub(super) prefix: Prefix,
    rule: SymbolRule,
}

impl RedisSource {
    pub fn connect(endpoint: &Endpoint, prefix: Prefix, rule: SymbolRule) -> Result<RedisSource> {
        let client = RedisClient::connect(endpoint)?;
        let kind = if client.is_cluster() {
            SourceKind::RedisCluster
        } else {
            SourceKind::Redis
        };
        let info = SourceInfo {
            kind,
            target: client.target().to_owned(),
        };
        Ok(RedisSource {
            client,
            info,
            prefix,
            rule,
        })
    }

    /// Every proposal key found by SCAN and the hashes of its symbol, read
    /// while the scan goes on: each batch's HGETALLs travel with the next
    /// SCAN, one round trip per batch.
    fn discover_and_read(
        &mut self,
        kinds: &[HashKind],
    ) -> Result<(BTreeMap<Symbol, SymbolCapture>, Vec<String>)> {
        let (pattern, head) = self.prefix.proposal_pattern();
        let (prefix, rule) = (&self.prefix, &self.rule);
        // The symbol a proposal key names, if it is a valid one.
        let symbol_of = |key: &[u8]| {
            rule.check_bytes(&key[head.min(key.len())..])
                .map_err(|e| format!("skipping key {}: {e}", show_raw(key)))
        };
        let per_key = |key: &[u8]| -> Vec<Cmd> {
            match symbol_of(key) {
                Ok(symbol) => kinds
                    .iter()
                    .map(|kind| hgetall(kind.key(prefix, &symbol)))
                    .collect(),
                Err(_) => Vec::new(),
            }
        };
        let found = self.client.scan_and_hgetall(&pattern, per_key)?;
        let mut symbols = BTreeMap::new();
        let mut warnings = Vec::new();
        for discovered in found {
            match symbol_of(&discovered.key) {
                Ok(symbol) => {
                    let mut cap = SymbolCapture::default();
                    for (kind, read) in kinds.iter().zip(discovered.replies) {
                        cap.set(*kind, read);
                    }
                    symbols.insert(symbol, cap);
                }
                Err(warning) => warnings.push(warning),
            }
        }
        Ok((symbols, warnings))
    }

    fn read_listed(
        &mut self,
        list: &[Symbol],
        kinds: &[HashKind],
    ) -> Result<BTreeMap<Symbol, SymbolCapture>> {
        let prefix = &self.prefix;
        let keys: Vec<String> = list
            .iter()
            .flat_map(|s| kinds.iter().map(move |k| k.key(prefix, s)))
            .collect();
        let mut replies = self.client.hgetall_many(&keys)?.into_iter();
        Ok(list
            .iter()
            .map(|symbol| {
                let mut cap = SymbolCapture::default();
                for kind in kinds {
                    cap.set(*kind, replies.next().unwrap_or_default());
                }
                (symbol.clone(), cap)
            })
            .collect())
    }
}

impl Source for RedisSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn read(&mut self, plan: &ReadPlan) -> Result<Capture> {
        let captured_at = Utc::now();
        let (symbols, warnings) = match &plan.selection {
            Selection::Discover => self.discover_and_read(&plan.kinds)?,
            Selection::Symbols(list) => (self.read_listed(list, &plan.kinds)?, Vec::new()),
        };
        let history = match plan.history {
            Some(span) => Some(self.capture_history(captured_at, span, &plan.selection)?),
            None => None,
        };
        // The policy and the registry thetas the proposals (and the history
        // entries) name: one more round trip, whatever the fleet's size.
        let mut wanted = referenced_theta_hashes(symbols.values());
        if let Some(h) = &history {
            wanted.extend(unknown_theta_hashes(h.entries.iter(), |_| false));
            wanted.sort();
            wanted.dedup();
        }
        let theta_keys: Vec<String> = wanted.iter().map(|h| self.prefix.theta(h)).collect();
        let policy = match self.client.hgetall_many(&[self.prefix.policy()])?.pop() {
            Some(HashRead::Found(hash)) => Some(hash),
            _ => None,
        };
        let values = self.client.get_many(&theta_keys)?;
        let thetas = wanted.into_iter().zip(values).collect();
        Ok(Capture {
            captured_at,
            source: self.info.clone(),
            prefix: self.prefix.clone(),
            tool: crate::TOOL.to_owned(),
            policy,
            thetas,
            symbols,
            history,
            warnings,
        })
    }
}
