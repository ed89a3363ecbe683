/** Graph detection and target resolution on the fixture folders (no database needed). */
import { beforeAll, describe, expect, it } from 'vitest';
import { PlayLaterError } from '../../src/errors.js';
import { loadRevisionGraph } from '../../src/runner/migrator.js';
import { planSteps, resolveDowngradeTarget, resolveUpgradeTarget } from '../../src/runner/plan.js';
import type { RevisionGraph } from '../../src/runner/revision-graph.js';
import { fixtureDir } from '../support/revision-folders.js';

async function graphOf(fixture: string): Promise<RevisionGraph> {
  return await loadRevisionGraph(fixtureDir(fixture));
}

function errorCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PlayLaterError);
    return (error as PlayLaterError).code;
  }
  throw new Error('expected a PlayLaterError, nothing was thrown');
}

/** The ids an upgrade or downgrade to `reference` would run, from a database whose version table holds `heads`. */
function plan(graph: RevisionGraph, direction: 'up' | 'down', reference: string, heads: string[] = []): string[] {
  const state = graph.appliedFrom(heads);
  const target = direction === 'up' ? resolveUpgradeTarget(graph, reference, state) : resolveDowngradeTarget(graph, reference, state);
  return planSteps(graph, state, target).map((step) => step.revision.id);
}

let linear: RevisionGraph;
let branchMerge: RevisionGraph;
let dependsOn: RevisionGraph;
beforeAll(async () => {
  linear = await graphOf('revisions-linear');
  branchMerge = await graphOf('revisions-branch-merge');
  dependsOn = await graphOf('revisions-depends-on');
});

describe('graph detection', () => {
  it('a straight line has one base, one head, parents before children', () => {
    expect(linear.bases).toEqual(['001_first']);
    expect(linear.heads).toEqual(['003_third']);
    expect(linear.order.map((r) => r.id)).toEqual(['001_first', '002_second', '003_third']);
  });

  it('branches, a merge revision with two parents, then two heads', () => {
    expect(branchMerge.bases).toEqual(['001_base']);
    expect(branchMerge.heads).toEqual(['005_feature_a', '006_feature_b']);
    expect(branchMerge.get('004_merge').parents).toEqual(['002_left', '003_right']);
    const merges = branchMerge.order.filter((r) => r.parents.length > 1).map((r) => r.id);
    expect(merges).toEqual(['004_merge']);
    const position = (id: string): number => branchMerge.order.findIndex((r) => r.id === id);
    expect(position('004_merge')).toBeGreaterThan(Math.max(position('002_left'), position('003_right')));
    expect(branchMerge.ancestors('004_merge')).toEqual(new Set(['001_base', '002_left', '003_right', '004_merge']));
    expect(branchMerge.descendants('002_left')).toEqual(new Set(['002_left', '004_merge', '005_feature_a', '006_feature_b']));
  });

  it('depends_on: two bases, and the dependency counts as an ancestor without being a parent', () => {
    expect(dependsOn.bases).toEqual(['001_core', '010_other_base']);
    expect(dependsOn.heads).toEqual(['002_feature', '011_uses_feature']);
    expect(dependsOn.get('011_uses_feature').dependsOn).toEqual(['002_feature']);
    expect(dependsOn.ancestors('011_uses_feature')).toEqual(new Set(['001_core', '002_feature', '010_other_base', '011_uses_feature']));
    expect(dependsOn.descendants('001_core')).toEqual(new Set(['001_core', '002_feature', '011_uses_feature']));
  });

  it('the version table holds the heads of the applied set', () => {
    expect(branchMerge.headsOf(new Set(['001_base', '002_left', '003_right']))).toEqual(['002_left', '003_right']);
    expect(branchMerge.headsOf(branchMerge.appliedFrom(['002_left', '003_right']))).toEqual(['002_left', '003_right']);
    expect(branchMerge.appliedFrom(['004_merge'])).toEqual(branchMerge.ancestors('004_merge'));
  });
});

describe('target resolution', () => {
  it('head, +N, a full id and a unique prefix', () => {
    expect(plan(linear, 'up', 'head')).toEqual(['001_first', '002_second', '003_third']);
    expect(plan(linear, 'up', '+1', ['001_first'])).toEqual(['002_second']);
    expect(plan(linear, 'up', '+2')).toEqual(['001_first', '002_second']);
    expect(plan(linear, 'up', '002_second')).toEqual(['001_first', '002_second']);
    expect(plan(linear, 'up', '002')).toEqual(['001_first', '002_second']);
    expect(plan(linear, 'up', 'head', ['003_third'])).toEqual([]);
  });

  it('-N, base, an id and a prefix downwards', () => {
    const all = ['001_first', '002_second', '003_third'];
    expect(plan(linear, 'down', '-1', all)).toEqual(['003_third']);
    expect(plan(linear, 'down', '-2', all)).toEqual(['003_third', '002_second']);
    expect(plan(linear, 'down', 'base', all)).toEqual(['003_third', '002_second', '001_first']);
    expect(plan(linear, 'down', '001_first', all)).toEqual(['003_third', '002_second']);
    expect(plan(linear, 'down', '001', all)).toEqual(['003_third', '002_second']);
  });

  it('heads goes through both branches and the merge to both heads', () => {
    const steps = plan(branchMerge, 'up', 'heads');
    expect(new Set(steps)).toEqual(new Set(branchMerge.byId.keys()));
    expect(steps.indexOf('004_merge')).toBeGreaterThan(Math.max(steps.indexOf('002_left'), steps.indexOf('003_right')));
    expect(plan(branchMerge, 'up', '005_feature_a')).toEqual(['001_base', '002_left', '003_right', '004_merge', '005_feature_a']);
    expect(plan(branchMerge, 'up', '002_left')).toEqual(['001_base', '002_left']);
  });

  it('downgrading one branch below the merge reverts the merge and everything after it', () => {
    const all = [...branchMerge.byId.keys()];
    expect(new Set(plan(branchMerge, 'down', '002_left', all))).toEqual(new Set(['004_merge', '005_feature_a', '006_feature_b']));
    expect(plan(branchMerge, 'down', '002_left', all).at(-1)).toBe('004_merge');
  });

  it('downgrading a dependency reverts what depends on it, not the other line', () => {
    const all = [...dependsOn.byId.keys()];
    expect(plan(dependsOn, 'down', '001_core', all)).toEqual(['011_uses_feature', '002_feature']);
    expect(plan(dependsOn, 'up', '011_uses_feature')).toEqual(['001_core', '002_feature', '010_other_base', '011_uses_feature']);
  });

  it('clear errors: unknown, ambiguous, -1 at base, +N beyond head, head with several heads', () => {
    expect(errorCode(() => plan(linear, 'up', '999_nothing'))).toBe('E_REVISION_UNKNOWN');
    expect(errorCode(() => plan(linear, 'up', '00'))).toBe('E_REVISION_AMBIGUOUS');
    expect(errorCode(() => plan(linear, 'down', '-1'))).toBe('E_DOWNGRADE_AT_BASE');
    expect(errorCode(() => plan(linear, 'down', '-4', ['001_first', '002_second', '003_third']))).toBe('E_REVISION_RANGE');
    expect(errorCode(() => plan(linear, 'up', '+4'))).toBe('E_REVISION_RANGE');
    expect(errorCode(() => plan(linear, 'up', '+1', ['003_third']))).toBe('E_REVISION_RANGE');
    expect(errorCode(() => plan(branchMerge, 'up', 'head'))).toBe('E_MULTIPLE_HEADS');
    expect(errorCode(() => plan(linear, 'down', '002_second', ['001_first']))).toBe('E_REVISION_RANGE');
    expect(errorCode(() => linear.appliedFrom(['007_gone']))).toBe('E_VERSION_UNKNOWN');
  });

  it('the ambiguous error names every candidate', () => {
    try {
      branchMerge.resolve('00');
    } catch (error) {
      expect((error as PlayLaterError).data?.candidates).toEqual([...branchMerge.order.map((r) => r.id)]);
      return;
    }
    throw new Error('expected E_REVISION_AMBIGUOUS');
  });
});
