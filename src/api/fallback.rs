//! Answers for requests that match no handler: 405 with `Allow` when the path exists under another method, else 404.
//!
//! actix would answer 404 for both; the route table here is built from the OpenAPI document, so it always agrees with
//! the routes actually served.

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::ApiError;

/// Every known path pattern with the methods it accepts.
pub struct RouteTable(Vec<(ResourceDef, Vec<Method>)>);

impl RouteTable {
    /// Builds the table from the document's paths plus `extra` routes that are not documented (docs pages).
    pub fn new(spec: &utoipa::openapi::OpenApi, extra: &[(&str, Method)]) -> Self {
        let mut routes: Vec<(ResourceDef, Vec<Method>)> = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                for (method, operation) in [
                    (Method::GET, &item.get),
                    (Method::POST, &item.post),
                    (Method::PUT, &item.put),
                    (Method::PATCH, &item.patch),
                    (Method::DELETE, &item.delete),
                ] {
                    if operation.is_some() {
                        methods.push(method);
                    }
                }
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        for (path, method) in extra {
            routes.push((ResourceDef::new(*path), vec![method.clone()]));
        }
        Self(routes)
    }

    fn methods_for(&self, path: &str) -> Vec<Method> {
        let mut methods: Vec<Method> = self
            .0
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .flat_map(|(_, methods)| methods.iter().cloned())
            .collect();
        methods.dedup();
        // HEAD is served wherever GET is (see `api::index::head_as_get`).
        if methods.contains(&Method::GET) {
            methods.push(Method::HEAD);
        }
        methods
    }
}

/// The default service of the app.
pub async fn unmatched(req: HttpRequest, routes: web::Data<RouteTable>) -> Result<HttpResponse, ApiError> {
    let allow = routes.methods_for(req.path());
    if allow.is_empty() {
        Err(ApiError::not_found(format!("the path {}", req.path())))
    } else {
        Err(ApiError::MethodNotAllowed { allow })
    }
}
