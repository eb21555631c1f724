use super::{emit, overlay_patches};
use crate::emit::terraform::aws::fixture;
use crate::model::EnvId;

#[test]
fn databases_are_stateful_sets_with_encrypted_volumes_and_a_backup_job() {
    let files = emit(&fixture::platform());
    let db = files
        .iter()
        .find(|f| f.path == "kubernetes/base/data/db.yaml")
        .map(|f| f.contents.as_str())
        .expect("db.yaml");
    for needle in [
        "kind: StatefulSet",
        "storageClassName: gp3-encrypted",
        "kind: CronJob",
        "name: db-backup",
        "schedule: 0 2 * * *",
        "readOnlyRootFilesystem: true",
        "key: shop/dev/db-admin-password",
    ] {
        assert!(db.contains(needle), "missing {needle}:\n{db}");
    }
    let sc = files
        .iter()
        .find(|f| f.path == "kubernetes/base/data/storage-class.yaml")
        .map(|f| f.contents.as_str())
        .expect("storage class");
    assert!(sc.contains("encrypted: 'true'"), "{sc}");
}

#[test]
fn overlays_restate_sizes_retention_and_vault_names() {
    let patches = overlay_patches(&fixture::platform(), EnvId(1));
    let text = crate::emit::yaml::to_yaml_docs(&patches);
    assert!(text.contains("storage: 50Gi"), "{text}");
    assert!(text.contains("value: '30'"), "{text}");
    assert!(text.contains("shop/production/db-admin-password"), "{text}");
}
