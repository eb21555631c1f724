//! The `servicebus` family: a namespace with Entra ID authorization only
//! (local SAS auth off), TLS 1.2, and the spec's topics, subscriptions and
//! queues.
//!
//! Senders and receivers get data roles scoped to their topic, subscription
//! or queue (see the identity family); the entity IDs are outputs keyed the
//! way grants name them (`topic`, `topic/subscription`, `queue`).

use super::context::{Azure, Part, call, common_variables, located, skip, tagged, var};
use crate::emit::terraform::hcl::{Block, Body, Expr, TemplatePart};
use crate::emit::terraform::module::{Module, ModuleCall};
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::{Variable, list_of, map_of, object_type};
use crate::model::{DataService, ServiceBus};

/// Deliveries before a message is dead-lettered.
const MAX_DELIVERY_COUNT: u32 = 10;

/// Key of a topic subscription in the module's maps.
pub fn subscription_key(topic: &str, subscription: &str) -> String {
    format!("{topic}/{subscription}")
}

pub fn part(az: &Azure, instances: &[(&DataService, &ServiceBus)]) -> Part {
    let mut part = Part {
        module: module(),
        calls: Vec::new(),
        tfvars: Vec::new(),
    };
    for (d, sb) in instances {
        let (c, vars) = instance(az, d, sb);
        part.calls.push(c);
        part.tfvars.extend(vars);
    }
    part
}

fn instance(az: &Azure, d: &DataService, sb: &ServiceBus) -> (ModuleCall, Vec<RootVar>) {
    let name = az.data_call(d);
    let v = |field: &str| format!("{name}_{field}");
    let tfvars = vec![
        RootVar::new(
            Variable::new(
                v("name"),
                "string",
                format!(
                    "Name of Service Bus namespace `{}` (globally unique).",
                    d.name
                ),
            ),
            d.cloud_name.map(|s| Expr::str(s)),
        ),
        RootVar::new(
            Variable::new(
                v("sku"),
                "string",
                format!(
                    "SKU of Service Bus namespace `{}`: Basic, Standard or Premium.",
                    d.name
                ),
            )
            .validation(
                Expr::raw(format!(
                    "contains([\"Basic\", \"Standard\", \"Premium\"], var.{})",
                    v("sku")
                )),
                "The SKU must be Basic, Standard or Premium.",
            ),
            sb.sku.map(|s| Expr::str(s)),
        ),
    ];
    let topics = Expr::str_list(sb.topics.iter().map(|t| t.name.as_str()));
    let subscriptions = Expr::object(sb.topics.iter().flat_map(|t| {
        t.subscriptions.iter().map(|s| {
            (
                subscription_key(&t.name, s),
                Expr::object([("topic", Expr::str(&t.name)), ("name", Expr::str(s))]),
            )
        })
    }));
    let c = call(name.clone(), "servicebus")
        .arg("name", var(&v("name")))
        .arg("sku", var(&v("sku")))
        .arg("topics", topics)
        .arg("subscriptions", subscriptions)
        .arg(
            "queues",
            Expr::str_list(sb.queues.iter().map(String::as_str)),
        );
    (c, tfvars)
}

fn module() -> Module {
    let mut m = Module::new("servicebus", super::context::PROVIDERS);
    m.variables = common_variables();
    m.variables.extend([
        Variable::new("name", "string", "Name of the namespace (globally unique).").not_null(),
        Variable::new("sku", "string", "Basic, Standard or Premium.").not_null(),
        Variable::new("topics", list_of("string"), "Topics to create.").default(Expr::list([])),
        Variable::new(
            "subscriptions",
            map_of(object_type([
                ("topic", "string".into()),
                ("name", "string".into()),
            ])),
            "Topic subscriptions, keyed `topic/subscription`.",
        )
        .default(Expr::object::<&str>([])),
        Variable::new("queues", list_of("string"), "Queues to create.").default(Expr::list([])),
    ]);
    let ns = located("azurerm_servicebus_namespace", "this", var("name"));
    let ns = skip(
        ns,
        "CKV_AZURE_204",
        "private endpoints need Premium and the spec sizes some environments below it; access needs Entra ID (local auth off)",
    );
    let ns = skip(
        ns,
        "CKV_AZURE_201",
        "encrypted at rest with Microsoft-managed keys; customer keys need Premium and are not declared",
    );
    let ns = skip(
        ns,
        "CKV_AZURE_199",
        "double encryption needs Premium with customer keys, not declared",
    );
    let ns = tagged(
        ns.attr("sku", var("sku"))
            .attr("capacity", Expr::raw("var.sku == \"Premium\" ? 1 : 0"))
            .attr(
                "premium_messaging_partitions",
                Expr::raw("var.sku == \"Premium\" ? 1 : 0"),
            )
            .attr("local_auth_enabled", false)
            .attr("minimum_tls_version", "1.2")
            .attr("public_network_access_enabled", true),
    )
    .blank()
    .block(Block::new("identity").attr("type", "SystemAssigned"));
    let topic = Block::new("resource")
        .labels(["azurerm_servicebus_topic", "this"])
        .attr("for_each", Expr::call("toset", [var("topics")]))
        .blank()
        .attr("name", Expr::raw("each.value"))
        .attr(
            "namespace_id",
            Expr::raw("azurerm_servicebus_namespace.this.id"),
        );
    let subscription = Block::new("resource")
        .labels(["azurerm_servicebus_subscription", "this"])
        .attr("for_each", var("subscriptions"))
        .blank()
        .attr("name", Expr::raw("each.value.name"))
        .attr(
            "topic_id",
            Expr::raw("azurerm_servicebus_topic.this[each.value.topic].id"),
        )
        .attr("max_delivery_count", MAX_DELIVERY_COUNT)
        .attr("dead_lettering_on_message_expiration", true);
    let queue = Block::new("resource")
        .labels(["azurerm_servicebus_queue", "this"])
        .attr("for_each", Expr::call("toset", [var("queues")]))
        .blank()
        .attr("name", Expr::raw("each.value"))
        .attr(
            "namespace_id",
            Expr::raw("azurerm_servicebus_namespace.this.id"),
        )
        .attr("max_delivery_count", MAX_DELIVERY_COUNT)
        .attr("dead_lettering_on_message_expiration", true);
    m.main = Body::new()
        .block(ns)
        .blank()
        .block(topic)
        .blank()
        .block(subscription)
        .blank()
        .block(queue);
    m.outputs = vec![
        Output::new(
            "id",
            Expr::raw("azurerm_servicebus_namespace.this.id"),
            "ID of the namespace.",
        ),
        Output::new(
            "name",
            Expr::raw("azurerm_servicebus_namespace.this.name"),
            "Name of the namespace.",
        ),
        Output::new(
            "fully_qualified_namespace",
            Expr::template([
                TemplatePart::interp("azurerm_servicebus_namespace.this.name"),
                TemplatePart::lit(".servicebus.windows.net"),
            ]),
            "Host name clients connect to (AMQP over TLS).",
        ),
        Output::new(
            "topic_ids",
            Expr::raw("{ for name, topic in azurerm_servicebus_topic.this : name => topic.id }"),
            "Topic IDs by name.",
        ),
        Output::new(
            "subscription_ids",
            Expr::raw(
                "{ for key, subscription in azurerm_servicebus_subscription.this : key => subscription.id }",
            ),
            "Subscription IDs keyed `topic/subscription`.",
        ),
        Output::new(
            "queue_ids",
            Expr::raw("{ for name, queue in azurerm_servicebus_queue.this : name => queue.id }"),
            "Queue IDs by name.",
        ),
    ];
    m
}
