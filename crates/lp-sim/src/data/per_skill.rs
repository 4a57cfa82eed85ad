//! `skillsMetricsPerAgent`, the per skill × agent member that engactivity and
//! msgconversation share: the same nesting, written the same way, with each
//! method's own figures.

use super::json::{JsonOut, Stop};

/// A method's data over some slots, for skillsMetricsPerAgent.
pub(super) struct PerSkill<V> {
    /// The reported skills, in key order.
    pub(super) skills: Vec<SkillPart<V>>,
    pub(super) totals: V,
}

/// A reported skill over some slots.
pub(super) struct SkillPart<V> {
    /// Position in the request's skill list.
    pub(super) skill: usize,
    pub(super) totals: V,
    /// The agents with data, in key order: position in the request's agent list, figures.
    pub(super) agents: Vec<(usize, V)>,
}

/// Writes `{"metricsPerSkill":{..},"metricsTotals":..}`; `skills` and `agents`
/// hold each id's written key.
pub(super) fn write<V>(
    part: &PerSkill<V>,
    skills: &[(Vec<u8>, Option<usize>)],
    agents: &[(Vec<u8>, Option<usize>)],
    figures: fn(&mut JsonOut, &V),
    out: &mut JsonOut,
) -> Result<(), Stop> {
    out.raw(b"{\"metricsPerSkill\":{");
    for (n, skill) in part.skills.iter().enumerate() {
        if n > 0 {
            out.raw(b",");
        }
        out.raw(&skills[skill.skill].0);
        out.raw(b"{\"metricsPerAgent\":{");
        for (m, (j, v)) in skill.agents.iter().enumerate() {
            if m > 0 {
                out.raw(b",");
            }
            out.raw(&agents[*j].0);
            figures(out, v);
            out.flush_if_full()?;
        }
        out.raw(b"},\"metricsTotals\":");
        figures(out, &skill.totals);
        out.raw(b"}");
    }
    out.raw(b"},\"metricsTotals\":");
    figures(out, &part.totals);
    out.raw(b"}");
    Ok(())
}
