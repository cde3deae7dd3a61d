//! What a turn costs at the catalog's list price (contract "Cost"). The catalog gives
//! `cost[].inputCost` and `cost[].outputCost` per model version, in USD per 1,000 tokens
//! (API reference §5); SAP bills in capacity units, so every figure is marked as list price.
//!
//! The catalog has no price for cached prompt tokens. They are counted at the provider's
//! published multiple of the input price, chosen by model family rather than by dialect because
//! orchestration carries every family: Anthropic reads at 0.1× and writes (5-minute TTL) at
//! 1.25× (the same on Bedrock and through orchestration); OpenAI reads at 0.5× (gpt-4o's rate,
//! the highest of the family, so newer models come out as an upper bound); Gemini 2.5 reads at
//! 0.25×; any other family at the full input price, since no discount is known.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ModelEntry, Usage};

/// One model version's list price, USD per 1,000 tokens, and how cached prompt tokens are
/// counted relative to the input price.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub input_per_1k: f64,
    pub output_per_1k: f64,
    /// Cache reads as a multiple of `input_per_1k`.
    pub cache_read_factor: f64,
    /// Cache writes as a multiple of `input_per_1k`.
    pub cache_write_factor: f64,
}

/// Prices are parsed only from finite catalog numbers (`parse_cost`) or from this type's own
/// serialization, so they are never NaN and equality is total.
impl Eq for Price {}

/// `(read, write)` multiples of the input price for the model's family.
fn cache_factors(model: &str, provider: Option<&str>) -> (f64, f64) {
    let model = model.to_ascii_lowercase();
    let provider = provider.unwrap_or_default().to_ascii_lowercase();
    if provider == "anthropic" || model.starts_with("anthropic--") {
        (0.1, 1.25)
    } else if provider == "openai" || model.starts_with("gpt-") {
        (0.5, 1.0)
    } else if provider == "google" || model.starts_with("gemini") {
        (0.25, 1.0)
    } else {
        (1.0, 1.0)
    }
}

/// `cost` is an array of single-key objects with string values (`[{"inputCost":"0.0025"},
/// {"outputCost":"0.01"}]`); a bare number is tolerated. `None` when absent, negative or not
/// a number.
fn parse_cost(version: &Value, key: &str) -> Option<f64> {
    let value = version
        .get("cost")?
        .as_array()?
        .iter()
        .find_map(|item| item.get(key))?;
    let number = match value {
        Value::String(text) => text.trim().parse::<f64>().ok()?,
        other => other.as_f64()?,
    };
    (number.is_finite() && number >= 0.0).then_some(number)
}

impl Price {
    /// The price of one catalog version (`AiModelVersion`); `None` unless it has both an
    /// input and an output price.
    pub fn from_catalog(model: &str, provider: Option<&str>, version: &Value) -> Option<Price> {
        let (cache_read_factor, cache_write_factor) = cache_factors(model, provider);
        Some(Price {
            input_per_1k: parse_cost(version, "inputCost")?,
            output_per_1k: parse_cost(version, "outputCost")?,
            cache_read_factor,
            cache_write_factor,
        })
    }

    /// USD per 1,000 cache-read prompt tokens.
    pub fn cache_read_per_1k(&self) -> f64 {
        self.input_per_1k * self.cache_read_factor
    }

    /// USD per 1,000 cache-write prompt tokens.
    pub fn cache_write_per_1k(&self) -> f64 {
        self.input_per_1k * self.cache_write_factor
    }
}

impl Usage {
    /// What this usage costs at `price`, in USD: uncached prompt tokens at the input price,
    /// cache reads and writes at their rates, completion tokens at the output price.
    pub fn cost_usd(&self, price: &Price) -> f64 {
        let cached = self.cache_read_tokens + self.cache_write_tokens;
        let uncached = self.prompt_tokens.saturating_sub(cached);
        let per_1k = |tokens: u64, rate: f64| tokens as f64 / 1000.0 * rate;
        per_1k(uncached, price.input_per_1k)
            + per_1k(self.cache_read_tokens, price.cache_read_per_1k())
            + per_1k(self.cache_write_tokens, price.cache_write_per_1k())
            + per_1k(self.completion_tokens, price.output_per_1k)
    }
}

/// The list price of `model` in `catalog` (names compare as deployments do, ignoring case).
pub fn price_of(catalog: &[ModelEntry], model: &str) -> Option<Price> {
    catalog
        .iter()
        .find(|entry| entry.name.eq_ignore_ascii_case(model))
        .and_then(|entry| entry.price)
}

/// The cost of `usage` when both it and a price are known (`run --json`'s `cost_usd`, null
/// otherwise).
pub fn cost_usd(usage: Option<&Usage>, price: Option<&Price>) -> Option<f64> {
    Some(usage?.cost_usd(price?))
}

/// `≈ $0.012 list`: three decimals, two above a dollar, and enough for one significant digit
/// below a tenth of a cent so a cheap turn does not read as free.
pub fn list_label(usd: f64) -> String {
    let usd = if usd.is_finite() { usd.max(0.0) } else { 0.0 };
    let decimals = if usd >= 1.0 {
        2
    } else if usd >= 0.001 || usd == 0.0 {
        3
    } else {
        // 0.0004 → 4 decimals, 0.00004 → 5; never more than 6.
        let magnitude = (-usd.log10()).ceil();
        (magnitude as usize).clamp(4, 6)
    };
    format!("≈ ${usd:.decimals$} list")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn version(input: &str, output: &str) -> Value {
        json!({"name": "1", "isLatest": true, "cost": [{"inputCost": input}, {"outputCost": output}]})
    }

    /// Claude 4.5 Sonnet as the catalog (and the simulator's) lists it: $0.003 in, $0.015 out.
    fn sonnet() -> Price {
        Price::from_catalog(
            "anthropic--claude-4.5-sonnet",
            Some("Anthropic"),
            &version("0.003", "0.015"),
        )
        .unwrap()
    }

    fn usage(prompt: u64, completion: u64, read: u64, write: u64) -> Usage {
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
            cache_read_tokens: read,
            cache_write_tokens: write,
            reasoning_tokens: None,
        }
    }

    #[test]
    fn a_fixed_turn_costs_to_the_cent() {
        let price = sonnet();
        assert_eq!(
            price,
            Price {
                input_per_1k: 0.003,
                output_per_1k: 0.015,
                cache_read_factor: 0.1,
                cache_write_factor: 1.25
            }
        );
        // 12,000 prompt tokens and 800 completion tokens without caching:
        // 12 × 0.003 + 0.8 × 0.015 = 0.036 + 0.012 = $0.048.
        let plain = usage(12_000, 800, 0, 0).cost_usd(&price);
        assert_eq!(format!("{plain:.2}"), "0.05");
        assert!((plain - 0.048).abs() < 1e-12);
        // The same turn with 10,000 of the prompt read from the cache:
        // 2 × 0.003 + 10 × 0.0003 + 0.8 × 0.015 = 0.006 + 0.003 + 0.012 = $0.021.
        let cached = usage(12_000, 800, 10_000, 0).cost_usd(&price);
        assert_eq!(format!("{cached:.2}"), "0.02");
        assert!((cached - 0.021).abs() < 1e-12);
        // Writing those 10,000 instead costs 1.25×: 0.006 + 10 × 0.00375 + 0.012 = $0.0555.
        let written = usage(12_000, 800, 0, 10_000).cost_usd(&price);
        assert!((written - 0.0555).abs() < 1e-12);
    }

    #[test]
    fn cache_rates_follow_the_model_family() {
        let v = version("0.002", "0.008");
        let openai = Price::from_catalog("gpt-4.1", Some("OpenAI"), &v).unwrap();
        assert!((openai.cache_read_per_1k() - 0.001).abs() < 1e-12);
        let gemini = Price::from_catalog("gemini-2.5-pro", Some("Google"), &v).unwrap();
        assert!((gemini.cache_read_per_1k() - 0.0005).abs() < 1e-12);
        let mistral = Price::from_catalog("mistralai--mistral-large-instruct", None, &v).unwrap();
        assert!((mistral.cache_read_per_1k() - 0.002).abs() < 1e-12);
        let claude = Price::from_catalog("anthropic--claude-3.7-sonnet", None, &v).unwrap();
        assert!((claude.cache_write_per_1k() - 0.0025).abs() < 1e-12);
    }

    #[test]
    fn prices_parse_strings_and_numbers_and_refuse_the_rest() {
        let numbers = json!({"cost": [{"inputCost": 0.5}, {"outputCost": " 1.5 "}]});
        let price = Price::from_catalog("m", None, &numbers).unwrap();
        assert_eq!((price.input_per_1k, price.output_per_1k), (0.5, 1.5));
        for bad in [
            json!({}),
            json!({"cost": []}),
            json!({"cost": [{"inputCost": "0.1"}]}),
            json!({"cost": [{"inputCost": "free"}, {"outputCost": "0.1"}]}),
            json!({"cost": [{"inputCost": "-1"}, {"outputCost": "0.1"}]}),
            json!({"cost": [{"inputCost": "NaN"}, {"outputCost": "0.1"}]}),
            json!({"cost": {"inputCost": "0.1", "outputCost": "0.1"}}),
        ] {
            assert_eq!(Price::from_catalog("m", None, &bad), None, "{bad}");
        }
    }

    #[test]
    fn cost_needs_usage_and_price() {
        let price = sonnet();
        let used = usage(1000, 1000, 0, 0);
        assert_eq!(cost_usd(None, Some(&price)), None);
        assert_eq!(cost_usd(Some(&used), None), None);
        let cost = cost_usd(Some(&used), Some(&price)).unwrap();
        assert!((cost - 0.018).abs() < 1e-12);
        // More cached tokens than prompt tokens (a confused service) never goes negative.
        assert!(usage(10, 0, 50, 0).cost_usd(&price) > 0.0);
    }

    #[test]
    fn price_of_finds_the_model_in_the_catalog() {
        let body = json!({"resources": [
            {"model": "anthropic--claude-4.5-sonnet", "provider": "Anthropic",
             "versions": [{"name": "1", "isLatest": true, "cost": [{"inputCost": "0.003"}, {"outputCost": "0.015"}]}]},
            {"model": "free", "versions": [{"name": "1", "isLatest": true}]}
        ]});
        let catalog = crate::aicore::models::decode_catalog(&body).unwrap();
        assert_eq!(
            price_of(&catalog, "Anthropic--Claude-4.5-Sonnet"),
            Some(sonnet())
        );
        assert_eq!(price_of(&catalog, "free"), None);
        assert_eq!(price_of(&catalog, "unknown"), None);
    }

    #[test]
    fn list_label_shape() {
        assert_eq!(list_label(0.0123), "≈ $0.012 list");
        assert_eq!(list_label(0.048), "≈ $0.048 list");
        assert_eq!(list_label(0.0), "≈ $0.000 list");
        assert_eq!(list_label(0.0004), "≈ $0.0004 list");
        assert_eq!(list_label(0.00004), "≈ $0.00004 list");
        assert_eq!(list_label(12.345), "≈ $12.35 list");
        assert_eq!(list_label(f64::NAN), "≈ $0.000 list");
    }
}
